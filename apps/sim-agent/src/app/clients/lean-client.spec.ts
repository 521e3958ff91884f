import type * as mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { classifyError, type FailureClass, isPermanentRefusal } from '@sousvide/loadtest-contracts';
import { freePort } from '@sousvide/shared-util';
import type { DeviceClientOptions } from './device-client';
import { startFakeBroker, type Behaviour, type FakeBroker } from './fake-broker.testing';
import { LeanClient } from './lean-client';

const CONTROL_TOPIC = 'devices/dev-1/control';
const TELEMETRY_TOPIC = 'devices/dev-1/telemetry';

// Real sockets and real keepalive timers (seconds): more than jest's 5 s on a busy machine.
jest.setTimeout(30_000);

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function startBroker(behaviour: Behaviour = {}): Promise<FakeBroker> {
  const broker = await startFakeBroker(behaviour);
  cleanups.push(() => broker.close());
  return broker;
}

interface Harness {
  client: LeanClient;
  disconnects: { cls: FailureClass; err?: Error }[];
  controls: { count: number };
}

function makeClient(port: number, overrides: Partial<DeviceClientOptions> = {}): Harness {
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
async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function packetsOf(broker: FakeBroker, cmd: mqttPacket.PacketCmd): mqttPacket.Packet[] {
  return broker.received.filter((packet) => packet.cmd === cmd);
}

/** The callback publish as a promise, for the assertions. */
function publish(client: LeanClient, payload: string | number[], qos: 0 | 1 | 2): Promise<void> {
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
function track(promise: Promise<void>): { settled: boolean; done: Promise<void> } {
  const state = { settled: false, done: promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

describe('LeanClient', () => {
  it('connects with a persistent MQTT 3.1.1 session and ends with DISCONNECT', async () => {
    const broker = await startBroker();
    const { client, disconnects } = makeClient(broker.port, { keepaliveSec: 42 });

    await client.connect();

    expect(client.connected).toBe(true);
    expect(packetsOf(broker, 'connect')[0]).toMatchObject({
      clientId: 'dev-1',
      clean: false,
      keepalive: 42,
      protocolVersion: 4,
    });
    await client.end();
    expect(client.connected).toBe(false);
    await waitFor(() => packetsOf(broker, 'disconnect').length === 1);
    expect(disconnects).toEqual([]);
  });

  it('rejects a CONNACK with a non-zero return code', async () => {
    const broker = await startBroker({ connackRc: 5 });
    const { client } = makeClient(broker.port);

    const err = await client.connect().catch((e: unknown) => e);

    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(
      /^connack rejected: not authorized \(5\): check the fleet secret/,
    );
    expect(err).toMatchObject({ code: 'CONNACK_REJECTED', returnCode: 5 });
    expect(classifyError(err)).toBe('connack_rejected');
    expect(isPermanentRefusal(err)).toBe(true);
    expect(client.connected).toBe(false);
  });

  it('rejects CONNACK 3 (server unavailable) as a refusal worth retrying', async () => {
    const broker = await startBroker({ connackRc: 3 });
    const { client } = makeClient(broker.port);

    const err = await client.connect().catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'CONNACK_REJECTED', returnCode: 3 });
    expect(classifyError(err)).toBe('connack_rejected');
    expect(isPermanentRefusal(err)).toBe(false);
  });

  it('keeps the ECONNREFUSED code of a closed port', async () => {
    const { client } = makeClient(await freePort());

    const err = await client.connect().catch((e: unknown) => e);

    expect((err as { code?: string }).code).toBe('ECONNREFUSED');
    expect(classifyError(err)).toBe('connect_refused');
  });

  it('times out and drops the socket when no CONNACK comes', async () => {
    const broker = await startBroker({ silent: true });
    const { client } = makeClient(broker.port, { connectTimeoutMs: 200 });
    const started = Date.now();

    const err = await client.connect().catch((e: unknown) => e);

    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect((err as { code?: string }).code).toBe('CONNECT_TIMEOUT');
    expect(classifyError(err)).toBe('connect_timeout');
    await waitFor(() => broker.sockets[0]?.closed === true);
  });

  it('resolves a QoS 1 publish only on its PUBACK', async () => {
    const broker = await startBroker({ holdAcks: true });
    const { client } = makeClient(broker.port);
    await client.connect();

    const pending = track(publish(client, 'hello', 1));
    await waitFor(() => packetsOf(broker, 'publish').length === 1);
    // A round trip after the PUBLISH: once its SUBACK is in, the client has read everything the
    // broker sent before it, and none of that (no PUBACK) may have settled the publish.
    await client.subscribeControl();
    expect(pending.settled).toBe(false);

    const sent = packetsOf(broker, 'publish')[0] as mqttPacket.IPublishPacket;
    expect(sent).toMatchObject({ topic: TELEMETRY_TOPIC, qos: 1, payload: Buffer.from('hello') });
    broker.send({ cmd: 'puback', messageId: sent.messageId });
    await pending.done;
  });

  it('runs the QoS 2 PUBLISH / PUBREC / PUBREL / PUBCOMP flow', async () => {
    const broker = await startBroker();
    const { client } = makeClient(broker.port);
    await client.connect();

    await publish(client, 'x', 2);

    const [sent] = packetsOf(broker, 'publish');
    const [pubrel] = packetsOf(broker, 'pubrel');
    expect(sent).toMatchObject({ qos: 2 });
    expect(pubrel?.messageId).toBe(sent?.messageId);
  });

  it('resolves a QoS 0 publish once written', async () => {
    const broker = await startBroker();
    const { client } = makeClient(broker.port);
    await client.connect();

    await publish(client, 'x', 0);

    await waitFor(() => packetsOf(broker, 'publish').length === 1);
    expect(packetsOf(broker, 'publish')[0]).toMatchObject({ qos: 0, topic: TELEMETRY_TOPIC });
  });

  it('wraps packet ids past 65535 and skips ids still pending', async () => {
    const broker = await startBroker({ holdAcks: true });
    const { client } = makeClient(broker.port);
    await client.connect();
    (client as unknown as { pending: { lastId: number } }).pending.lastId = 65533;

    const first = [publish(client, 'a', 1), publish(client, 'b', 1)];
    (client as unknown as { pending: { lastId: number } }).pending.lastId = 65533;
    const more = [publish(client, 'c', 1), publish(client, 'd', 1)];
    await waitFor(() => packetsOf(broker, 'publish').length === 4);

    expect(packetsOf(broker, 'publish').map((p) => p.messageId)).toEqual([65534, 65535, 1, 2]);
    for (const messageId of [65534, 65535, 1, 2]) {
      broker.send({ cmd: 'puback', messageId });
    }
    await Promise.all([...first, ...more]);
  });

  it('frames a PUBACK split across reads, and drops the connection on a malformed packet', async () => {
    const broker = await startBroker({ holdAcks: true });
    const { client, disconnects } = makeClient(broker.port);
    await client.connect();
    const pending = track(publish(client, 'x', 1));
    await waitFor(() => packetsOf(broker, 'publish').length === 1);
    const socket = broker.sockets[0];
    const messageId = packetsOf(broker, 'publish')[0].messageId ?? 0;
    const puback = Buffer.from([0x40, 0x02, messageId >> 8, messageId & 0xff]);

    // Two reads of the shared read buffer, the first held (copied) until the second arrives.
    socket.write(puback.subarray(0, 3));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pending.settled).toBe(false);
    socket.write(puback.subarray(3));
    await pending.done;

    socket.write(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await waitFor(() => disconnects.length > 0);
    expect(disconnects[0].err?.message).toBe(
      'malformed packet: remaining length longer than 4 bytes',
    );
    expect(client.connected).toBe(false);
  });

  it('reports broker_disconnect once when the broker drops, and keeps unacked publishes pending', async () => {
    const broker = await startBroker({ holdAcks: true });
    const { client, disconnects } = makeClient(broker.port);
    await client.connect();
    const publishes = [1, 2, 3].map((n) => track(publish(client, [n], 1)));
    await waitFor(() => packetsOf(broker, 'publish').length === 3);

    broker.sockets[0]?.destroy();

    // A socket emits its 'error' and 'close' in the same turn (process.nextTick), before the
    // poll's next timer: a second report of the same loss would already be here.
    await waitFor(() => disconnects.length > 0);
    expect(disconnects.map((d) => d.cls)).toEqual(['broker_disconnect']);
    expect(client.connected).toBe(false);
    expect(publishes.map((p) => p.settled)).toEqual([false, false, false]);
    await expect(publish(client, 'late', 0)).rejects.toThrow('not connected');
    await client.end();
    const results = await Promise.allSettled(publishes.map((p) => p.done));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
  });

  it('after a reconnect resends unacked QoS 1 publishes with DUP and continues QoS 2 with PUBREL', async () => {
    const broker = await startBroker({ holdAcks: true });
    const { client } = makeClient(broker.port);
    await client.connect();
    const q1 = publish(client, 'one', 1);
    const q2 = publish(client, 'two', 2);
    const q2released = publish(client, 'three', 2);
    await waitFor(() => packetsOf(broker, 'publish').length === 3);
    broker.send({ cmd: 'pubrec', messageId: 3 });
    await waitFor(() => packetsOf(broker, 'pubrel').length === 1);
    broker.sockets[0]?.destroy();
    await waitFor(() => !client.connected);

    await client.connect();

    await waitFor(() => packetsOf(broker, 'publish').length === 5);
    const resent = packetsOf(broker, 'publish').slice(3) as mqttPacket.IPublishPacket[];
    expect(resent.map((p) => [p.messageId, p.dup, p.payload.toString()])).toEqual([
      [1, true, 'one'],
      [2, true, 'two'],
    ]);
    await waitFor(() => packetsOf(broker, 'pubrel').length === 2);
    expect(
      packetsOf(broker, 'connect').map((p) => (p as mqttPacket.IConnectPacket).clientId),
    ).toEqual(['dev-1', 'dev-1']);
    broker.send({ cmd: 'puback', messageId: 1 });
    broker.send({ cmd: 'pubrec', messageId: 2 });
    broker.send({ cmd: 'pubcomp', messageId: 2 });
    broker.send({ cmd: 'pubcomp', messageId: 3 });
    await Promise.all([q1, q2, q2released]);
  });

  /** A client subscribed to its control topic, dropped by the broker, connected again. */
  async function subscribedThenReconnected(sessionPresent: boolean): Promise<FakeBroker> {
    const broker = await startBroker({ sessionPresent });
    const { client } = makeClient(broker.port);
    await client.connect();
    await client.subscribeControl();
    broker.sockets[0]?.destroy();
    await waitFor(() => !client.connected);
    await client.connect();
    // A round trip after the CONNACK: a SUBSCRIBE sent on it would have reached the broker first.
    await publish(client, 'x', 1);
    return broker;
  }

  it('subscribes to the control topic again when the broker lost the session', async () => {
    const broker = await subscribedThenReconnected(false);

    expect(packetsOf(broker, 'subscribe')).toMatchObject([
      { subscriptions: [{ topic: CONTROL_TOPIC, qos: 1 }] },
      { subscriptions: [{ topic: CONTROL_TOPIC, qos: 1 }] },
    ]);
  });

  it('does not subscribe again when the broker kept the session', async () => {
    const broker = await subscribedThenReconnected(true);

    expect(packetsOf(broker, 'subscribe')).toHaveLength(1);
  });

  it('sends PINGREQ and reports keepalive_timeout when nothing comes back', async () => {
    const broker = await startBroker({ answerPing: false, holdAcks: true });
    const { client, disconnects } = makeClient(broker.port, { keepaliveSec: 1 });
    await client.connect();
    const started = Date.now();
    const pending = track(publish(client, 'x', 1));

    await waitFor(() => disconnects.length === 1);
    expect(disconnects[0]?.err?.message).toContain('keepalive timeout');
    expect(pending.settled).toBe(false);

    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect(packetsOf(broker, 'pingreq').length).toBeGreaterThanOrEqual(1);
    expect(disconnects.map((d) => d.cls)).toEqual(['keepalive_timeout']);
  });

  it('keeps a quiet connection alive with PINGREQ / PINGRESP', async () => {
    const broker = await startBroker();
    const { client, disconnects } = makeClient(broker.port, { keepaliveSec: 1 });
    await client.connect();

    // Three keepalive periods: a client that did not count PINGRESP as traffic would have
    // declared the connection dead after 1.5 s of silence, before the third PINGREQ.
    await waitFor(() => packetsOf(broker, 'pingreq').length >= 3);

    expect(client.connected).toBe(true);
    expect(disconnects).toEqual([]);
  });

  it('sends the control SUBSCRIBE with the CONNECT when asked, without waiting for the CONNACK', async () => {
    // This broker answers the CONNECT only once a SUBSCRIBE came: a client that waited for the
    // CONNACK before subscribing would time out.
    const broker = await startBroker({ connackAfterSubscribe: true });
    const { client } = makeClient(broker.port);

    await client.connect({ subscribeControl: true });
    await client.subscribeControl();

    expect(broker.received.map((p) => p.cmd)).toEqual(['connect', 'subscribe']);
    expect(packetsOf(broker, 'subscribe')[0]).toMatchObject({
      subscriptions: [{ topic: CONTROL_TOPIC, qos: 1 }],
    });
  });

  it('without the option, subscribes only when asked, after the CONNACK', async () => {
    const broker = await startBroker({ connackAfterSubscribe: true });
    const { client } = makeClient(broker.port);

    const err = await client.connect().catch((e: unknown) => e);

    expect(classifyError(err)).toBe('connect_timeout');
    expect(packetsOf(broker, 'subscribe')).toEqual([]);
  });

  it('fails the SUBSCRIBE sent with a CONNECT the broker refuses', async () => {
    const broker = await startBroker({ connackRc: 5 });
    const { client } = makeClient(broker.port);

    await expect(client.connect({ subscribeControl: true })).rejects.toMatchObject({
      code: 'CONNACK_REJECTED',
    });
    await expect(client.subscribeControl()).rejects.toMatchObject({ code: 'CONNACK_REJECTED' });
  });

  it('does not hand out the subscription of an earlier, refused attempt', async () => {
    const broker = await startBroker({ connackRc: 5 });
    const { client } = makeClient(broker.port);
    await expect(client.connect({ subscribeControl: true })).rejects.toThrow('connack rejected');

    await expect(client.connect()).rejects.toThrow('connack rejected');

    await expect(client.subscribeControl()).rejects.toThrow('not connected');
  });

  it('subscribes to the control topic, counts control messages and acks them', async () => {
    const broker = await startBroker();
    const { client, controls } = makeClient(broker.port);
    await client.connect();

    await client.subscribeControl();
    expect(packetsOf(broker, 'subscribe')[0]).toMatchObject({
      subscriptions: [{ topic: CONTROL_TOPIC, qos: 1 }],
    });
    const control = { cmd: 'publish', topic: CONTROL_TOPIC, dup: false, retain: false } as const;
    broker.send({ ...control, qos: 1, messageId: 42, payload: Buffer.from('{}') });
    broker.send({ ...control, qos: 2, messageId: 43, payload: Buffer.from('{}') });
    broker.send({ ...control, qos: 0, payload: Buffer.from('{}') });

    await waitFor(() => packetsOf(broker, 'pubcomp').length === 1);
    expect(controls.count).toBe(3);
    expect(packetsOf(broker, 'puback').map((p) => p.messageId)).toEqual([42]);
    expect(packetsOf(broker, 'pubrec').map((p) => p.messageId)).toEqual([43]);
    expect(packetsOf(broker, 'pubcomp').map((p) => p.messageId)).toEqual([43]);
  });
});
