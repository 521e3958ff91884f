import * as net from 'node:net';
import { connectAsync } from 'mqtt';
import { MqttConsumer } from '../src';
import { countMessages, freePort } from '@sousvide/testing';
import { numbered, publishAll, until } from './support/probe';
import { brokerSuite } from './support/broker-suite';

const FIRST_CONNECT_MS = 1500;

/** Reconnects, clear failures and the consumer's own QoS 1 publishes. */
describe('connection life cycle against a real Mosquitto', () => {
  const suite = brokerSuite({ persistence: true });

  it('comes back after a broker restart, subscribes again and gets its unacked deliveries; old handles are stale', async () => {
    const p = suite.probe({
      clientId: 'conn-restart',
      topicFilter: '$share/ingest/conn/+/telemetry',
    });
    await p.consumer.start();
    await publishAll(suite.broker.url, 'conn/d1/telemetry', numbered('m', 5));
    await until('5 deliveries', () => p.deliveries.length === 5);
    const held = p.deliveries.splice(0);

    await suite.broker.restart({ downMs: 1000 });
    await until(
      'resubscribed after the restart',
      () => p.events.filter((e) => e.type === 'subscribed').length === 2,
    );
    expect(p.events.map((e) => e.type)).toContain('lost');
    held.forEach((d) => d.ack?.ack());
    expect(p.consumer.stats().staleAcks).toBe(5);

    // The persistent session kept the 5 in flight; the renewed subscription takes new messages.
    await publishAll(suite.broker.url, 'conn/d1/telemetry', ['after-restart']);
    await until('6 deliveries after the restart', () => p.deliveries.length >= 6);
    expect(p.bodies()).toEqual(['m0*', 'm1*', 'm2*', 'm3*', 'm4*', 'after-restart']);
  });

  it('publishes at QoS 1 and resolves on the PUBACK; a witness receives it', async () => {
    const p = suite.probe({ clientId: 'conn-publish', topicFilter: 'conn/unused/+' });
    await p.consumer.start();
    const witness = countMessages(suite.broker.url, 'sousvide/+/control');
    await witness.ready;
    try {
      await p.consumer.publish('sousvide/dev-1/control', Buffer.from('{"heaterOn":false}'));
      await until('the witness got the command', () => witness.count() === 1);
    } finally {
      await witness.stop();
    }
    expect(p.consumer.stats()).toMatchObject({ published: 1, publishFailed: 0 });
  });

  it('refuses to publish when not connected, at once and saying so', async () => {
    const consumer = new MqttConsumer({
      url: suite.broker.url,
      clientId: 'conn-idle',
      topicFilter: 'x/+',
      onDeliveries: () => undefined,
    });
    await expect(
      consumer.publish('sousvide/dev-1/control', Buffer.from('off')),
    ).rejects.toMatchObject({
      code: 'NOT_CONNECTED',
      message: 'cannot publish to sousvide/dev-1/control: not connected to the broker',
    });
  });

  it('gives a clear UNREACHABLE error within the deadline when nothing listens on the port', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const consumer = new MqttConsumer({
      url,
      clientId: 'conn-refused',
      topicFilter: 'x/+',
      onDeliveries: () => undefined,
      firstConnectTimeoutMs: FIRST_CONNECT_MS,
    });
    const started = Date.now();
    const error = await consumer.start().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'UNREACHABLE',
      message: expect.stringContaining(`MQTT broker at ${url}`),
    });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(FIRST_CONNECT_MS + 1000);
  });

  it('gives a clear UNREACHABLE error when a server accepts the connection but never answers CONNACK', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const consumer = new MqttConsumer({
      url: `mqtt://127.0.0.1:${port}`,
      clientId: 'conn-silent',
      topicFilter: 'x/+',
      onDeliveries: () => undefined,
      connectTimeoutMs: 500,
      firstConnectTimeoutMs: FIRST_CONNECT_MS,
    });
    try {
      await expect(consumer.start()).rejects.toMatchObject({
        code: 'UNREACHABLE',
        message: expect.stringContaining('no CONNACK within 500 ms'),
      });
    } finally {
      silent.close();
    }
  });

  it('fails at construction on a bad URL, before any connection', () => {
    expect(
      () =>
        new MqttConsumer({
          url: 'ws://broker:8080',
          clientId: 'c',
          topicFilter: 'x/+',
          onDeliveries: () => undefined,
        }),
    ).toThrow(expect.objectContaining({ code: 'BAD_URL' }));
  });

  it('reconnects by itself when the broker drops the connection (here: a session takeover)', async () => {
    const p = suite.probe({ clientId: 'conn-takeover', topicFilter: 'conn/takeover/+' });
    await p.consumer.start();
    // Mosquitto 2.0.11 closes the old connection without the DISCONNECT 0x8E that MQTT 5 suggests.
    const intruder = await connectAsync(suite.broker.url, {
      clientId: 'conn-takeover',
      protocolVersion: 5,
      clean: false,
      reconnectPeriod: 0,
    });
    try {
      await until('the loss reported', () => p.events.some((e) => e.type === 'lost'));
      await until(
        'subscribed again',
        () => p.events.filter((e) => e.type === 'subscribed').length >= 2,
      );
    } finally {
      await intruder.endAsync(true);
    }
    await publishAll(suite.broker.url, 'conn/takeover/d1', ['back']);
    await until('a delivery after the reconnect', () => p.bodies().includes('back'));
    expect(p.consumer.stats()).toMatchObject({ losses: 1, connects: 2 });
  });
});
