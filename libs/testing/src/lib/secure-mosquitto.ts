import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { IClientOptions } from 'mqtt';
import { deviceIdOf } from '@sousvide/loadtest-contracts';
import { devicePassword, provisionFleet } from '@sousvide/security';
import { startMosquitto, type MqttService } from './mosquitto';

const ROOT = resolve(__dirname, '../../../..');
const SECURE_CONF = join(ROOT, 'docker/mosquitto/secure.conf');
const MAKE_CERTS = join(ROOT, 'tools/security/make-certs.sh');

/**
 * docker/mosquitto/secure.conf with identities provisioned by the provisioner's library (dynsec:
 * devices bound to their ids, the gateway identity with the shared subscription) and a CA and
 * server certificate from tools/security/make-certs.sh.
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
  /** Device `index`'s id and login (username = client id = device id). */
  device(index: number): { id: string; login: IClientOptions };
  stop(): Promise<void>;
}

/** Provisions `devices` devices (ids `<prefix>000000`..) and starts the secure broker. */
export async function startSecureMosquitto(
  o: { devices: number; prefix?: string } = { devices: 10 },
): Promise<SecureMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'secure-mosquitto-'));
  const prefix = o.prefix ?? 'sv-sec-';
  const gatewayUser = 'ingest-gateway';
  const gatewayPasswordFile = join(dir, 'gateway-password');
  const fleetSecretFile = join(dir, 'fleet-secret');
  try {
    await provisionFleet({
      devices: o.devices,
      out: dir,
      format: 'dynsec',
      prefix,
      gatewayUser,
      fleetSecretFile,
      gatewayPasswordFile,
      rotate: false,
      // The provisioner's default: a test's handful of connects need no more.
      iterations: 101,
    });
    const tls = join(dir, 'tls');
    execFileSync('bash', [MAKE_CERTS, '--out', tls], { stdio: 'ignore' });
    const broker = await startMosquitto({
      config: {
        file: SECURE_CONF,
        copy: [
          { source: join(dir, 'mosquitto'), target: '/mosquitto/auth' },
          { source: tls, target: '/mosquitto/certs' },
        ],
        ports: [8883],
      },
    });
    const fleetSecret = readFileSync(fleetSecretFile, 'utf8').trim();
    return {
      broker,
      tlsUrl: `mqtts://${broker.host}:${broker.mappedPort(8883)}`,
      plainUrl: broker.url,
      caFile: join(tls, 'ca.crt'),
      gatewayUser,
      gatewayPasswordFile,
      gatewayPassword: readFileSync(gatewayPasswordFile, 'utf8').trim(),
      device: (index) => {
        const id = deviceIdOf(prefix, index);
        return {
          id,
          login: { clientId: id, username: id, password: devicePassword(fleetSecret, id) },
        };
      },
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
