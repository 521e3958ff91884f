import type * as mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { classifyError } from '@sousvide/loadtest-contracts';
import type { FakeBroker } from './fake-broker.testing';
import {
  cleanUp,
  CONTROL_TOPIC,
  makeClient,
  packetsOf,
  publish,
  startBroker,
  track,
  waitFor,
} from './lean-client.testing';

// Real sockets and real keepalive timers (seconds): more than jest's 5 s on a busy machine.
jest.setTimeout(30_000);
afterEach(cleanUp);

describe('LeanClient: lost connections, sessions, keepalive, control', () => {
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
