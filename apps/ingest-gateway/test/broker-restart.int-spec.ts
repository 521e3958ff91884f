import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  MqttService,
  pollUntil,
  RedisService,
  startMosquitto,
  startRedis,
} from '@sousvide/testing';
import { GatewayProcess, metric, startGateway } from './gateway-process';

/** Polls a gateway metric until it reaches `value` (30 s deadline); returns what it last read. */
function metricReaches(gw: GatewayProcess, name: string, value: number): Promise<number> {
  return pollUntil(
    () => metric(gw.opsUrl, name),
    (seen) => seen >= value,
  );
}

/** Publishes `count` valid telemetry messages at QoS 1, one device per message. */
async function publishTelemetry(url: string, tag: string, count: number): Promise<void> {
  const pub = await mqtt.connectAsync(url, { clientId: `pub-${tag}-${Date.now()}` });
  for (let seq = 0; seq < count; seq += 1) {
    const deviceId = `sv-${tag}-${seq}`;
    const payload = {
      v: 1,
      deviceId,
      seq,
      ts: Date.now(),
      runId: `gw-restart-${tag}`,
      tempC: 55,
      targetC: 57,
      heaterOn: true,
      pumpOn: true,
      waterLevel: 0.8,
      state: 'cooking',
    };
    await pub.publishAsync(`sousvide/${deviceId}/telemetry`, JSON.stringify(payload), { qos: 1 });
  }
  await pub.endAsync();
}

describe('ingest gateway across a broker restart (persistent broker and sessions)', () => {
  let redis: RedisService;
  let broker: MqttService;
  let env: Record<string, string>;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    [redis, broker] = await Promise.all([startRedis(), startMosquitto({ persistence: true })]);
    env = {
      MQTT_URL: broker.url,
      REDIS_URL: redis.url,
      // Storage is not under test here: counting what arrives is.
      INGEST_INFLUX_WRITE_MODE: 'bypass',
      INFLUX_URL: 'http://127.0.0.1:1',
      INGEST_MQTT_CONNECTIONS: '2',
    };
  });
  afterAll(async () => {
    await Promise.allSettled(gateways.map((g) => g.stop('SIGKILL')));
    await Promise.allSettled([redis?.stop(), broker?.stop()]);
  });
  afterEach(async () => {
    await Promise.allSettled(gateways.splice(0).map((g) => g.stop()));
  });

  it('reconnects both connections without a process restart and keeps ingesting', async () => {
    const gw = await startGateway({
      ...env,
      GATEWAY_ID: 'gw-restart',
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'gw-spool-')),
    });
    gateways.push(gw);
    await publishTelemetry(broker.url, 'before', 100);
    expect(await metricReaches(gw, 'ingest_recv_total', 100)).toBe(100);

    const outage = await broker.restart({ downMs: 3000 });
    // Full-jitter backoff capped at 500 ms (the gateway's default): both connections come back.
    expect(await metricReaches(gw, 'ingest_mqtt_reconnects_total', 2)).toBe(2);
    const backAfterMs = Date.now() - outage.upAt;
    const health = await fetch(`${gw.opsUrl}/health`);
    expect(health.status).toBe(200);

    await publishTelemetry(broker.url, 'after', 100);
    expect(await metricReaches(gw, 'ingest_recv_total', 200)).toBe(200);
    expect(gw.child.exitCode).toBeNull();
    // A persistent broker kept both sessions (the shared subscription is renewed regardless).
    const reconnected = gw.output().match(/"sessionPresent":true,"msg":"mqtt reconnected"/g) ?? [];
    expect(reconnected).toHaveLength(2);
    console.log(JSON.stringify({ outageMs: outage.upAt - outage.downAt, backAfterMs }));
  });

  it('picks up, after it comes back under the same id, what the broker queued for its sessions', async () => {
    const id = 'gw-queue';
    const spool = mkdtempSync(join(tmpdir(), 'gw-spool-'));
    const first = await startGateway({ ...env, GATEWAY_ID: id, SPOOL_DIR: spool });
    // A crash: no DISCONNECT, so the broker keeps both sessions and queues their share.
    await first.stop('SIGKILL');
    await publishTelemetry(broker.url, 'queued', 60);
    // The queue also survives a broker restart (persistence), though the shared subscription
    // itself does not: the gateway subscribes again after its CONNACK.
    await broker.restart({ downMs: 500 });

    const second = await startGateway({ ...env, GATEWAY_ID: id, SPOOL_DIR: spool });
    gateways.push(second);

    expect(await metricReaches(second, 'ingest_recv_total', 60)).toBe(60);
    await publishTelemetry(broker.url, 'live', 20);
    expect(await metricReaches(second, 'ingest_recv_total', 80)).toBe(80);
  });
});
