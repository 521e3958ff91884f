// The lean client's spec harness: a real client against a fake broker on real sockets.
import type * as mqttPacket from 'mqtt-packet';
import { expect } from '@jest/globals';
import type { FailureClass } from '@sousvide/loadtest-contracts';
import type { DeviceClientOptions } from './device-client';
import { startFakeBroker, type Behaviour, type FakeBroker } from './fake-broker.testing';
import { LeanClient } from './lean-client';

export const CONTROL_TOPIC = 'devices/dev-1/control';
export const TELEMETRY_TOPIC = 'devices/dev-1/telemetry';

const cleanups: (() => Promise<void>)[] = [];

/** Ends every client and fake broker a test made (each spec's afterEach). */
export async function cleanUp(): Promise<void> {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
}

export async function startBroker(behaviour: Behaviour = {}): Promise<FakeBroker> {
  const broker = await startFakeBroker(behaviour);
  cleanups.push(() => broker.close());
  return broker;
}

export interface Harness {
  client: LeanClient;
  disconnects: { cls: FailureClass; err?: Error }[];
  controls: { count: number };
}

export function makeClient(port: number, overrides: Partial<DeviceClientOptions> = {}): Harness {
  const disconnects: Harness['disconnects'] = [];
  const controls = { count: 0 };
  const client = new LeanClient({
    host: '127.0.0.1',
    port,
    clientId: 'dev-1',
    keepaliveSec: 30,
    connectTimeoutMs: 1000,
    controlTopic: CONTROL_TOPIC,
    telemetryTopic: TELEMETRY_TOPIC,
    onDisconnect: (cls, err) => disconnects.push({ cls, err }),
    onControl: () => {
      controls.count++;
    },
    ...overrides,
  });
  cleanups.push(() => client.end());
  return { client, disconnects, controls };
}

/** Polls with a deadline that only a broken client reaches, even on a busy machine. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function packetsOf(broker: FakeBroker, cmd: mqttPacket.PacketCmd): mqttPacket.Packet[] {
  return broker.received.filter((packet) => packet.cmd === cmd);
}

/** The callback publish as a promise, for the assertions. */
export function publish(
  client: LeanClient,
  payload: string | number[],
  qos: 0 | 1 | 2,
): Promise<void> {
  const text = typeof payload === 'string' ? payload : Buffer.from(payload).toString();
  return new Promise<void>((resolve, reject) =>
    client.publish(text, qos, 7, (token, err) => {
      expect(token).toBe(7);
      if (err) {
        reject(err);
      } else {
        resolve();
      }
    }),
  );
}

/** Tracks whether a promise settled, to assert that it is still pending. */
export function track(promise: Promise<void>): { settled: boolean; done: Promise<void> } {
  const state = { settled: false, done: promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}
