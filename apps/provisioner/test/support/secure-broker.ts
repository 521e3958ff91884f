import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connectAsync, IClientOptions, MqttClient } from 'mqtt';
import { BrokerAuthFormat, devicePassword } from '@sousvide/security';
import { MqttService, startMosquitto } from '@sousvide/testing';

const ROOT = resolve(__dirname, '../../../..');
const PROVISIONER = join(ROOT, 'dist/apps/provisioner/main.js');
const MAKE_CERTS = join(ROOT, 'tools/security/make-certs.sh');
export const SECURE_CONF = join(ROOT, 'docker/mosquitto/secure.conf');

/** TLS material from tools/security/make-certs.sh: the stack's CA and a rogue one. */
export interface CertDirs {
  good: string;
  rogue: string;
}

/** The committed secure.conf with freshly provisioned identities and certificates. */
export interface SecureBroker {
  broker: MqttService;
  dir: string;
  certs: CertDirs;
  fleetSecret: string;
  gatewayPassword: string;
  stop(): Promise<void>;
}

/** Runs the built provisioner (as a user would) and the certificate script into a temp dir. */
export async function startSecureBroker(
  format: BrokerAuthFormat,
  devices: number,
): Promise<SecureBroker> {
  const dir = mkdtempSync(join(tmpdir(), `secure-broker-${format}-`));
  execFileSync('node', [
    PROVISIONER,
    '--devices',
    String(devices),
    '--out',
    dir,
    '--format',
    format,
  ]);
  const certs = { good: join(dir, 'tls'), rogue: join(dir, 'rogue-tls') };
  for (const out of [certs.good, certs.rogue]) {
    execFileSync('bash', [MAKE_CERTS, '--out', out], { stdio: 'ignore' });
  }
  try {
    const broker = await startMosquitto({
      config: {
        file: SECURE_CONF,
        copy: [
          { source: join(dir, 'mosquitto'), target: '/mosquitto/auth' },
          { source: certs.good, target: '/mosquitto/certs' },
        ],
        ports: [8883, 8884],
      },
    });
    return {
      broker,
      dir,
      certs,
      fleetSecret: readFileSync(join(dir, 'fleet-secret'), 'utf8').trim(),
      gatewayPassword: readFileSync(join(dir, 'gateway-password'), 'utf8').trim(),
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

/** Connects or rejects on the first failure (CONNACK refusal, TLS error), never retrying. */
export function connectOnce(url: string, options: IClientOptions): Promise<MqttClient> {
  return connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options }, false);
}

/** A device's options as the simulator will connect (phase 2): id = username = client id. */
export function deviceLogin(b: SecureBroker, deviceId: string): IClientOptions {
  return {
    clientId: deviceId,
    username: deviceId,
    password: devicePassword(b.fleetSecret, deviceId),
  };
}

export function gatewayLogin(b: SecureBroker, clientId: string): IClientOptions {
  return { clientId, username: 'ingest-gateway', password: b.gatewayPassword, protocolVersion: 5 };
}

/** The error a promise rejects with (fails the test if it resolves). */
export async function rejectionOf(p: Promise<unknown>): Promise<Error & { code?: unknown }> {
  try {
    const value = await p;
    if (value && typeof (value as MqttClient).end === 'function') {
      (value as MqttClient).end(true);
    }
  } catch (err) {
    return err as Error & { code?: unknown };
  }
  throw new Error('expected a rejection, but it resolved');
}
