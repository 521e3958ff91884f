import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { deviceIdOf } from '@sousvide/loadtest-contracts';
import {
  type BrokerAuthFormat,
  DEVICE_PBKDF2_ITERATIONS,
  devicePassword,
  fleetManifestSchema,
  MOSQUITTO_PBKDF2_ITERATIONS,
  provisionFleet,
} from '@sousvide/security';
import { countMessages, type MessageCounter } from './count-messages';
import { type MqttService, startMosquitto } from './mosquitto';

const ROOT = resolve(__dirname, '../../../..');
const MAKE_CERTS = join(ROOT, 'tools/security/make-certs.sh');
/** The committed configuration of the authenticated broker (1883, 8883 TLS, 8884 mutual TLS). */
export const SECURE_CONF = join(ROOT, 'docker/mosquitto/secure.conf');

/** TLS material from tools/security/make-certs.sh: the stack's CA and a rogue one. */
export interface CertDirs {
  good: string;
  rogue: string;
}

/** The committed secure.conf with freshly provisioned identities and certificates. */
export interface SecureBroker {
  broker: MqttService;
  /** The provisioning output: fleet.json, fleet-secret, gateway-password, mosquitto/. */
  dir: string;
  certs: CertDirs;
  fleetSecret: string;
  gatewayPassword: string;
  /** The coordinator's `$SYS` probe identity (`<dir>/monitor-password`). */
  monitorUser: string;
  monitorPasswordFile: string;
  monitorPassword: string;
  stop(): Promise<void>;
}

export interface SecureBrokerOptions {
  format: BrokerAuthFormat;
  devices: number;
  /**
   * Writes the identities into `dir` (default: `provisionFleet` with the provisioner's defaults:
   * devices sv-000000.., gateway user ingest-gateway); the provisioner's own tests run its CLI.
   */
  provision?: (dir: string) => Promise<void> | void;
  /**
   * Seconds between `$SYS` updates (secure.conf keeps Mosquitto's 10): written as one more
   * `*.conf` in the broker directory, which secure.conf's include_dir loads.
   */
  sysIntervalSec?: number;
  /**
   * Another broker configuration that reads the same mounts (`/mosquitto/auth`,
   * `/mosquitto/certs`), e.g. compose's docker/mosquitto.conf; default secure.conf.
   */
  configFile?: string;
  /** Its TLS listeners, published and waited for (default secure.conf's 8883 and 8884). */
  tlsPorts?: number[];
}

/** Provisions `devices` identities, makes certificates and starts Mosquitto with secure.conf. */
export async function startSecureBroker(o: SecureBrokerOptions): Promise<SecureBroker> {
  const dir = mkdtempSync(join(tmpdir(), `secure-broker-${o.format}-`));
  try {
    await (o.provision ?? ((out: string) => provisionDefaults(out, o)))(dir);
    if (o.sysIntervalSec !== undefined) {
      writeFileSync(
        join(dir, 'mosquitto', 'sys-interval.conf'),
        `sys_interval ${o.sysIntervalSec}\n`,
      );
    }
    const certs = { good: join(dir, 'tls'), rogue: join(dir, 'rogue-tls') };
    for (const out of [certs.good, certs.rogue]) {
      execFileSync('bash', [MAKE_CERTS, '--out', out], { stdio: 'ignore' });
    }
    const broker = await startMosquitto({
      config: {
        file: o.configFile ?? SECURE_CONF,
        copy: [
          { source: join(dir, 'mosquitto'), target: '/mosquitto/auth' },
          { source: certs.good, target: '/mosquitto/certs' },
        ],
        ports: o.tlsPorts ?? [8883, 8884],
      },
    });
    return {
      broker,
      dir,
      certs,
      fleetSecret: readFileSync(join(dir, 'fleet-secret'), 'utf8').trim(),
      gatewayPassword: readFileSync(join(dir, 'gateway-password'), 'utf8').trim(),
      monitorUser: readMonitorUser(dir),
      monitorPasswordFile: join(dir, 'monitor-password'),
      monitorPassword: readFileSync(join(dir, 'monitor-password'), 'utf8').trim(),
      stop: async () => {
        await broker.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * A dynsec broker as a service's test sees it: the URLs, the CA, the gateway identity and a
 * device's login (devices bound to their ids, the gateway identity with the shared subscription).
 */
export interface SecureMosquitto {
  broker: MqttService;
  /** `mqtts://<host>:<mapped 8883>`: TLS, server certificate checked against `caFile`. */
  tlsUrl: string;
  /** `mqtt://<host>:<mapped 1883>`: plain, passwords still required. */
  plainUrl: string;
  caFile: string;
  gatewayUser: string;
  /** The provisioner's `<out>/gateway-password` (0600): what MQTT_PASSWORD_FILE names. */
  gatewayPasswordFile: string;
  gatewayPassword: string;
  /** The coordinator's `$SYS` probe identity (MQTT_MONITOR_USERNAME, MQTT_MONITOR_PASSWORD_FILE). */
  monitorUser: string;
  monitorPasswordFile: string;
  monitorPassword: string;
  /** Device `index`'s id and login (username = client id = device id). */
  device(index: number): { id: string; login: IClientOptions };
  stop(): Promise<void>;
}

/** Provisions `devices` dynsec devices (ids `<prefix>000000`..) and starts the secure broker. */
export async function startSecureMosquitto(
  o: { devices: number; prefix?: string; sysIntervalSec?: number } = { devices: 10 },
): Promise<SecureMosquitto> {
  const prefix = o.prefix ?? 'sv-sec-';
  const secure = await startSecureBroker({
    format: 'dynsec',
    devices: o.devices,
    provision: (out) => provisionDefaults(out, { format: 'dynsec', devices: o.devices }, prefix),
    sysIntervalSec: o.sysIntervalSec,
  });
  const { broker, dir, certs, fleetSecret, gatewayPassword } = secure;
  const { monitorUser, monitorPasswordFile, monitorPassword } = secure;
  return {
    broker,
    tlsUrl: `mqtts://${broker.host}:${broker.mappedPort(8883)}`,
    plainUrl: broker.url,
    caFile: join(certs.good, 'ca.crt'),
    gatewayUser: GATEWAY_USER,
    gatewayPasswordFile: join(dir, 'gateway-password'),
    gatewayPassword,
    monitorUser,
    monitorPasswordFile,
    monitorPassword,
    device: (index) => {
      const id = deviceIdOf(prefix, index);
      return {
        id,
        login: { clientId: id, username: id, password: devicePassword(fleetSecret, id) },
      };
    },
    stop: () => secure.stop(),
  };
}

const GATEWAY_USER = 'ingest-gateway';

/**
 * Counts what the secure broker delivers on `topicFilter` to the gateway identity (plain 1883):
 * what the ingest side would receive. Under MQTT 3.1.1 a device's publish the ACL refuses still
 * gets its PUBACK, so only a subscriber shows that the messages got through.
 */
export function countAsGateway(b: SecureBroker, topicFilter: string): MessageCounter {
  return countMessages(b.broker.url, topicFilter, {
    username: GATEWAY_USER,
    password: b.gatewayPassword,
  });
}

/** fleet.json's monitor username (the provisioner's --monitor-user). */
function readMonitorUser(dir: string): string {
  const manifest = fleetManifestSchema.parse(
    JSON.parse(readFileSync(join(dir, 'fleet.json'), 'utf8')),
  );
  if (!manifest.monitor) {
    throw new Error(`${dir}/fleet.json names no monitor identity`);
  }
  return manifest.monitor.username;
}

async function provisionDefaults(
  out: string,
  o: Pick<SecureBrokerOptions, 'format' | 'devices'>,
  prefix = 'sv-',
): Promise<void> {
  await provisionFleet({
    devices: o.devices,
    out,
    format: o.format,
    prefix,
    gatewayUser: GATEWAY_USER,
    fleetSecretFile: join(out, 'fleet-secret'),
    gatewayPasswordFile: join(out, 'gateway-password'),
    rotate: false,
    iterations: MOSQUITTO_PBKDF2_ITERATIONS,
    deviceIterations: DEVICE_PBKDF2_ITERATIONS,
  });
}
