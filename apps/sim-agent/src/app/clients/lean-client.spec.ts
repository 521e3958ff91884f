import type * as mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { classifyError, isPermanentRefusal } from '@sousvide/loadtest-contracts';
import { freePort } from '@sousvide/shared-util';
import {
  cleanUp,
  makeClient,
  packetsOf,
  publish,
  startBroker,
  TELEMETRY_TOPIC,
  track,
  waitFor,
} from './lean-client.testing';

// Real sockets and real keepalive timers (seconds): more than jest's 5 s on a busy machine.
jest.setTimeout(30_000);
afterEach(cleanUp);

describe('LeanClient: connect, publish, framing', () => {
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
});
