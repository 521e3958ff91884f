import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import Redis from 'ioredis';
import { TcpFaultProxy } from '@sousvide/chaos-faults';
import { RunCounters } from '@sousvide/run-accounting';
import type { BusinessCounts } from '@sousvide/loadtest-contracts';
import {
  cookerTelemetry,
  pollUntil,
  publishTelemetry,
  startMosquitto,
  startRedis,
  startVictoriaMetrics,
  TEST_INFLUX_TOKEN_ENV,
  waitForStoredPoints,
  type MqttService,
  type RedisService,
  type VictoriaMetricsService,
} from '@sousvide/testing';
import { freePort } from '@sousvide/shared-util';
import { ChaosGateway } from '../src/app/run/chaos-gateway';

/**
 * Issue 4's forced QoS 1 redelivery: a fault proxy between the gateway and the broker holds the
 * gateway's PUBACKs (latency on the upstream direction only), so every message is delivered and
 * processed but none is acknowledged; then the connection is reset. The gateway reconnects to its
 * persistent session and the broker resends every unacknowledged message with DUP set. Each must
 * be stored once and counted once as a duplicate.
 */
describe('QoS 1 redelivery after the gateway lost its connection before acking', () => {
  let redis: RedisService;
  let broker: MqttService;
  let vm: VictoriaMetricsService;
  let proxy: TcpFaultProxy;
  let gateway: ChaosGateway | undefined;

  beforeAll(async () => {
    [redis, broker, vm] = await Promise.all([
      startRedis(),
      startMosquitto(),
      startVictoriaMetrics(),
    ]);
    proxy = new TcpFaultProxy({ upstreamHost: broker.host, upstreamPort: broker.port });
    await proxy.start();
  });
  afterAll(async () => {
    await gateway?.stop();
    await proxy?.close();
    await Promise.allSettled([redis?.stop(), broker?.stop(), vm?.stop()]);
  });

  it('stores each message once and counts every redelivered copy in duplicate_total', async () => {
    const runId = `redelivery-${Date.now()}`;
    const opsPort = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'redelivery-'));
    // Started as the chaos runner starts its gateway: a boot that fails names its log's last lines.
    gateway = new ChaosGateway(
      {
        ...TEST_INFLUX_TOKEN_ENV,
        MQTT_URL: `mqtt://127.0.0.1:${proxy.port}`,
        REDIS_URL: redis.url,
        INFLUX_URL: vm.url,
        OPS_PORT: String(opsPort),
        GATEWAY_ID: 'gw-redelivery',
        INGEST_MQTT_CONNECTIONS: '1',
        SPOOL_DIR: dir,
        AUDIT_LOG_PATH: join(dir, 'audit.jsonl'),
      },
      join(dir, 'gateway.log'),
      `http://127.0.0.1:${opsPort}`,
    );
    await gateway.start();

    // Hold everything the gateway sends (its PUBACKs) while the broker's PUBLISHes flow.
    proxy.setMode({ kind: 'latency', ms: 600_000, direction: 'upstream' });
    const n = 200;
    const pub = await mqtt.connectAsync(broker.url, { clientId: `redelivery-pub-${Date.now()}` });
    const base = Date.now() - 60_000;
    await publishTelemetry(
      pub,
      Array.from({ length: n }, (_, seq) =>
        cookerTelemetry(runId, seq, { deviceId: `sv-redeliver-${seq % 10}`, ts: base + seq * 10 }),
      ),
    );
    await pub.endAsync();

    const client = new Redis(redis.url);
    const counts = async (): Promise<BusinessCounts> =>
      (await new RunCounters(client).read(runId)).counts;
    try {
      const countsUntil = (done: (c: BusinessCounts) => boolean): Promise<BusinessCounts> =>
        pollUntil(counts, done, { intervalMs: 250 });
      // Every message processed and stored once, none acknowledged to the broker yet.
      expect(await countsUntil((c) => c.pipeline_success_total >= n)).toMatchObject({
        recv_total: n,
        duplicate_total: 0,
      });

      // Drop the connection before the acks get through; the gateway reconnects to its session.
      // The reset is synchronous: the held PUBACKs are gone with the connection when it returns.
      proxy.setMode({ kind: 'reset' });
      expect(proxy.stats().resets).toBeGreaterThanOrEqual(1);
      proxy.setMode({ kind: 'pass-through' });

      const after = await countsUntil((c) => c.duplicate_total >= n);
      expect(after).toMatchObject({
        recv_total: n,
        pipeline_success_total: n,
        duplicate_total: n,
      });
      expect(await waitForStoredPoints(vm, runId, n)).toEqual({ points: n, series: 10 });
    } finally {
      client.disconnect();
    }
  });
});
