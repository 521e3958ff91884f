import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { connectAsync, IClientOptions, MqttClient } from 'mqtt';
import { BrokerAuthFormat, devicePassword } from '@sousvide/security';
import { SecureBroker, startSecureBroker as startBroker } from '@sousvide/testing';

export type { SecureBroker } from '@sousvide/testing';

const ROOT = resolve(__dirname, '../../../..');
const PROVISIONER = join(ROOT, 'dist/apps/provisioner/main.js');

/** The secure broker with identities from the built provisioner, run as a user would. */
export function startSecureBroker(
  format: BrokerAuthFormat,
  devices: number,
): Promise<SecureBroker> {
  return startBroker({
    format,
    devices,
    provision: (dir) => {
      execFileSync('node', [
        PROVISIONER,
        '--devices',
        String(devices),
        '--out',
        dir,
        '--format',
        format,
      ]);
    },
  });
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
