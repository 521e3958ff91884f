import { connect } from 'mqtt';
import Redis from 'ioredis';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import {
  countMessages,
  MqttService,
  RedisService,
  startMosquitto,
  startRedis,
  waitFor,
} from '../src';

function started<T>(service: T | undefined, name: string): T {
  if (service === undefined) {
    throw new Error(`${name} did not start (see beforeAll)`);
  }
  return service;
}

describe('testing harness (real containers)', () => {
  let redis: RedisService | undefined;
  let mqtt: MqttService | undefined;

  beforeAll(async () => {
    // allSettled: keep whichever started so afterAll stops it (Ryuk is disabled, nothing else would).
    const [r, m] = await Promise.allSettled([startRedis(), startMosquitto()]);
    redis = r.status === 'fulfilled' ? r.value : undefined;
    mqtt = m.status === 'fulfilled' ? m.value : undefined;
    for (const result of [r, m]) {
      if (result.status === 'rejected') {
        throw result.reason;
      }
    }
  });

  afterAll(async () => {
    await Promise.all([redis?.stop(), mqtt?.stop()]);
  });

  it('runs a Redis that answers PING', async () => {
    const { url, host, port } = started(redis, 'Redis');
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      expect(url).toBe(`redis://${host}:${port}`);
      await expect(client.ping()).resolves.toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('runs a broker that delivers 10 QoS 1 messages to a counting subscriber', async () => {
    const { url } = started(mqtt, 'Mosquitto');
    const counter = countMessages(url, 'harness/+/telemetry');
    const publisher = connect(url, { clientId: 'harness-publisher' });
    try {
      await counter.ready;
      for (let i = 0; i < 10; i += 1) {
        await publisher.publishAsync(`harness/device-${i}/telemetry`, JSON.stringify({ i }), {
          qos: 1,
        });
      }
      await waitFor('10 messages at the counter', () => counter.count() >= 10);
      // Nothing more than was published: a marker sent after them arrives after all of them.
      await counter.settle('harness/marker/telemetry');
      expect(counter.count()).toBe(10);
    } finally {
      await Promise.all([publisher.endAsync(), counter.stop()]);
    }
  });
});
