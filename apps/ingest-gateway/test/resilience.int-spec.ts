import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Queue } from 'bullmq';
import { BusinessSummary, QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import { countMessages, MqttService, RedisService } from '@sousvide/testing';
import { metric, startGateway } from './gateway-process';
import { runLoad, useIngestStack } from './ingest-stack';

describe('ingest gateway faults: store down, fail-safe, SIGTERM, Redis outage', () => {
  const stack = useIngestStack();
  const gateways = stack.gateways;
  let redis: RedisService;
  let broker: MqttService;
  let baseEnv: Record<string, string>;
  beforeAll(() => {
    ({ redis, broker, baseEnv } = stack);
  });

  it('dead-letters every message with kind influx when the store is down, and keeps heartbeats', async () => {
    gateways.push(
      await startGateway({
        ...baseEnv,
        GATEWAY_ID: 'gw-noinflux',
        INFLUX_URL: 'http://127.0.0.1:1',
        INFLUX_TIMEOUT_MS: '500',
      }),
    );
    const runId = `gw-noinflux-${Date.now()}`;
    const artifacts = mkdtempSync(join(tmpdir(), 'gw-runs-'));
    await runLoad(
      [
        '--connections',
        '20',
        '--partitions',
        '1',
        '--parallelism',
        '20',
        '--mps',
        '1',
        '--duration',
        '2',
        '--qos',
        '1',
        '--run-id',
        runId,
        '--max-attempts',
        '1',
      ],
      { ...baseEnv, ARTIFACTS_DIR: artifacts, DRAIN_WINDOW_SEC: '60' },
    );
    const biz = JSON.parse(
      readFileSync(join(artifacts, runId, 'attempt-1', 'business-summary.json'), 'utf8'),
    ) as BusinessSummary;
    expect(biz).toMatchObject({
      recv_total: 40,
      influx_ok_total: 0,
      influx_fail_total: 40,
      redis_ok_total: 40,
      dlq_total: 40,
      pipeline_success_total: 0,
    });
    expect(biz.slo.find((s) => s.name === 'Influx write failure rate')?.pass).toBe(false);
  });

  it('sends one fail-safe command per device per cooldown, outside the handler, with an audit record', async () => {
    const gw = await startGateway({
      ...baseEnv,
      GATEWAY_ID: 'gw-safe',
      FAILSAFE_COOLDOWN_SEC: '60',
    });
    gateways.push(gw);
    const control = countMessages(broker.url, 'sousvide/sv-hot-1/control');
    await control.ready;
    const pub = await mqtt.connectAsync(broker.url, { clientId: `hot-pub-${Date.now()}` });
    for (let seq = 0; seq < 5; seq += 1) {
      const hot = {
        v: 1,
        deviceId: 'sv-hot-1',
        seq,
        ts: Date.now(),
        tempC: 99.5,
        targetC: 60,
        heaterOn: true,
        pumpOn: true,
        waterLevel: 0.8,
        state: 'cooking',
      };
      await pub.publishAsync('sousvide/sv-hot-1/telemetry', JSON.stringify(hot), { qos: 1 });
    }
    await pub.endAsync();
    await new Promise((r) => setTimeout(r, 2000));
    await control.stop();
    expect(control.count()).toBe(1);
    const audit = readFileSync(gw.auditLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { who: string; why: { reason: string; deviceId: string } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      who: 'gw-safe',
      why: { reason: 'overtemp', deviceId: 'sv-hot-1' },
    });
  });

  it('on SIGTERM stops taking messages and drains, while another instance carries the load: nothing lost', async () => {
    const a = await startGateway({ ...baseEnv, GATEWAY_ID: 'gw-term-a' });
    const b = await startGateway({ ...baseEnv, GATEWAY_ID: 'gw-term-b' });
    gateways.push(a, b);
    const runId = `gw-term-${Date.now()}`;
    const artifacts = mkdtempSync(join(tmpdir(), 'gw-runs-'));
    const load = runLoad(
      [
        '--connections',
        '100',
        '--partitions',
        '1',
        '--parallelism',
        '50',
        '--mps',
        '5',
        '--duration',
        '8',
        '--qos',
        '1',
        '--run-id',
        runId,
        '--max-attempts',
        '1',
      ],
      { ...baseEnv, ARTIFACTS_DIR: artifacts },
    );
    await new Promise((r) => setTimeout(r, 7000));
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(a.output()).toContain('drained and closed');
    const res = await load;
    expect(res.code).toBe(0);
    const biz = JSON.parse(
      readFileSync(join(artifacts, runId, 'attempt-1', 'business-summary.json'), 'utf8'),
    ) as BusinessSummary;
    expect(biz.recv_total).toBe(4000);
    expect(biz.pipeline_success_total).toBe(4000);
  });

  it('spools failed messages while Redis is down and drains them into the DLQ once it is back', async () => {
    const gw = await startGateway({
      ...baseEnv,
      GATEWAY_ID: 'gw-spool',
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'gw-spool-')),
    });
    gateways.push(gw);
    const runId = `gw-spool-${Date.now()}`;
    const pub = await mqtt.connectAsync(broker.url, { clientId: `spool-pub-${Date.now()}` });
    const send = async (from: number, count: number): Promise<void> => {
      for (let seq = from; seq < from + count; seq += 1) {
        const m = {
          v: 1,
          deviceId: `sv-spool-${seq % 20}`,
          seq,
          ts: Date.now(),
          runId,
          tempC: 55,
          targetC: 56,
          heaterOn: true,
          pumpOn: true,
          waterLevel: 0.8,
          state: 'cooking',
        };
        await pub.publishAsync(`sousvide/${m.deviceId}/telemetry`, JSON.stringify(m), { qos: 1 });
      }
    };
    await send(0, 50);
    await redis.pause();
    await send(50, 100);
    // Heartbeats time out (3 s), the DLQ add times out (5 s), then the entries are spooled.
    const deadline = Date.now() + 30_000;
    while ((await metric(gw.opsUrl, 'ingest_spool_entries')) === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
    }
    const spooledWhileDown = await metric(gw.opsUrl, 'ingest_spool_entries');
    await redis.unpause();
    await send(150, 50);
    await pub.endAsync();
    while (
      (await metric(gw.opsUrl, 'ingest_spool_entries')) > 0 &&
      Date.now() < deadline + 30_000
    ) {
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(spooledWhileDown).toBeGreaterThan(0);
    expect(await metric(gw.opsUrl, 'ingest_spool_entries')).toBe(0);
    const redisFailed = await metric(gw.opsUrl, 'ingest_redis_fail_total');
    expect(redisFailed).toBeGreaterThan(0);
    const dlq = new Queue(QUEUE_NAMES.dlq, { connection: { url: redis.url } });
    try {
      // A batch's DLQ add can still be on its way when the spool is empty: wait for it.
      const mineOf = async () =>
        (await dlq.getJobs(['waiting'], 0, -1)).filter(
          (j) => (j.data as { runId?: string }).runId === runId,
        );
      const redisEntries = async (): Promise<number> =>
        (await mineOf()).filter((j) => (j.data as { kind: string }).kind === 'redis').length;
      const settle = Date.now() + 20_000;
      while (
        (await redisEntries()) < (await metric(gw.opsUrl, 'ingest_redis_fail_total')) &&
        Date.now() < settle
      ) {
        await new Promise((r) => setTimeout(r, 500));
      }
      const mine = await mineOf();
      // Every heartbeat that failed is in the DLQ exactly once: nothing lost, nothing doubled.
      expect(mine.filter((j) => (j.data as { kind: string }).kind === 'redis')).toHaveLength(
        await metric(gw.opsUrl, 'ingest_redis_fail_total'),
      );
      expect(new Set(mine.map((j) => j.id)).size).toBe(mine.length);
    } finally {
      await dlq.close();
    }
  });
});
