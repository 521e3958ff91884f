import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import mqtt from 'mqtt';
import { Queue } from 'bullmq';
import {
  BusinessSummary,
  ConnectionSummary,
  INGEST_KEYS,
  QUEUE_NAMES,
} from '@sousvide/loadtest-contracts';
import {
  countMessages,
  MqttService,
  RedisService,
  startMosquitto,
  startRedis,
  startVictoriaMetrics,
  VictoriaMetricsService,
} from '@sousvide/testing';
import {
  bootGatewayExpectingFailure,
  GatewayProcess,
  metric,
  ROOT,
  startGateway,
} from './gateway-process';

const COORDINATOR = join(ROOT, 'dist/apps/sim-coordinator/main.js');

function runLoad(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    let out = '';
    const child = spawn(process.execPath, [COORDINATOR, 'loadtest', 'run', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => res({ code, out }));
  });
}

/**
 * Points stored for a run: tempC samples over every device series. VictoriaMetrics makes fresh
 * rows searchable a moment after a flush, so this reads until `expected` shows up or 15 s pass.
 */
async function storedPoints(
  vm: VictoriaMetricsService,
  runId: string,
  expected: number,
): Promise<{ points: number; series: number }> {
  const deadline = Date.now() + 15_000;
  let seen = await readPoints(vm, runId);
  while (seen.points < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    seen = await readPoints(vm, runId);
  }
  return seen;
}

async function readPoints(
  vm: VictoriaMetricsService,
  runId: string,
): Promise<{ points: number; series: number }> {
  await fetch(`${vm.url}/internal/force_flush`);
  const match = encodeURIComponent(`telemetry_tempC{runId="${runId}"}`);
  const text = await (await fetch(`${vm.url}/api/v1/export?match[]=${match}`)).text();
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return {
    series: lines.length,
    points: lines.reduce((n, l) => n + (JSON.parse(l) as { values: number[] }).values.length, 0),
  };
}

describe('ingest gateway (real Mosquitto, Redis, VictoriaMetrics, agents)', () => {
  let redis: RedisService;
  let broker: MqttService;
  let vm: VictoriaMetricsService;
  let client: Redis;
  const gateways: GatewayProcess[] = [];
  let baseEnv: Record<string, string>;

  beforeAll(async () => {
    [redis, broker, vm] = await Promise.all([
      startRedis(),
      startMosquitto(),
      startVictoriaMetrics(),
    ]);
    client = new Redis(redis.url);
    baseEnv = { MQTT_URL: broker.url, REDIS_URL: redis.url, INFLUX_URL: vm.url };
  });
  afterAll(async () => {
    await Promise.allSettled(gateways.map((g) => g.stop('SIGKILL')));
    client?.disconnect();
    await Promise.allSettled([redis?.stop(), broker?.stop(), vm?.stop()]);
  });
  afterEach(async () => {
    await Promise.allSettled(gateways.splice(0).map((g) => g.stop()));
  });

  it('refuses to boot within seconds, naming the broker, when the broker is unreachable', async () => {
    const t0 = Date.now();
    const res = await bootGatewayExpectingFailure({ ...baseEnv, MQTT_URL: 'mqtt://127.0.0.1:1' });
    expect(res.code).toBe(1);
    expect(res.output).toContain('MQTT broker at mqtt://127.0.0.1:1 unreachable');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('stores 2,000 simulated messages: points, heartbeats, exact counters and a business summary with SLO verdicts', async () => {
    gateways.push(await startGateway({ ...baseEnv, GATEWAY_ID: 'gw-a' }));
    const artifacts = mkdtempSync(join(tmpdir(), 'gw-runs-'));
    const runId = `gw-2000-${Date.now()}`;
    const res = await runLoad(
      [
        '--connections',
        '200',
        '--partitions',
        '2',
        '--parallelism',
        '50',
        '--mps',
        '2',
        '--duration',
        '5',
        '--qos',
        '1',
        '--run-id',
        runId,
        '--max-attempts',
        '1',
        '--require-business-summary',
        '1',
      ],
      { ...baseEnv, ARTIFACTS_DIR: artifacts },
    );
    expect(res.code).toBe(0);
    const dir = join(artifacts, runId, 'attempt-1');
    const conn = JSON.parse(
      readFileSync(join(dir, 'connection-summary.json'), 'utf8'),
    ) as ConnectionSummary;
    const biz = JSON.parse(
      readFileSync(join(dir, 'business-summary.json'), 'utf8'),
    ) as BusinessSummary;
    expect(conn.published_total).toBe(2000);
    expect(biz).toMatchObject({
      recv_total: 2000,
      parse_ok_total: 2000,
      parse_fail_total: 0,
      influx_ok_total: 2000,
      influx_fail_total: 0,
      redis_ok_total: 2000,
      redis_fail_total: 0,
      pipeline_success_total: 2000,
      core_pipeline_success_total: 2000,
      business_pipeline_success_rate: 1,
      published_total: 2000,
    });
    expect(biz.slo.map((s) => s.name)).toEqual([
      'ingestion success rate',
      'parse failure rate',
      'Influx write failure rate',
      'Redis heartbeat failure rate',
      'p95 end-to-end ingest latency',
    ]);
    expect(biz.e2e_latency_ms.count).toBe(2000);
    expect(res.out).toContain('SLO ingestion success rate');

    expect(await storedPoints(vm, runId, 2000)).toEqual({ points: 2000, series: 200 });
    // Every device's heartbeat holds its latest message time.
    const scores = await client.zmscore(INGEST_KEYS.heartbeat, 'sv-000000', 'sv-000199');
    expect(scores.every((s) => s !== null && Number(s) > Date.now() - 60_000)).toBe(true);
    expect(await client.zcard(INGEST_KEYS.heartbeat)).toBeGreaterThanOrEqual(200);
  });

  it('merges the counters of two gateway instances to the exact total, counting no message twice', async () => {
    const a = await startGateway({ ...baseEnv, GATEWAY_ID: 'gw-one' });
    const b = await startGateway({ ...baseEnv, GATEWAY_ID: 'gw-two' });
    gateways.push(a, b);
    const runId = `gw-two-${Date.now()}`;
    const res = await runLoad(
      [
        '--connections',
        '200',
        '--partitions',
        '1',
        '--parallelism',
        '50',
        '--mps',
        '2',
        '--duration',
        '5',
        '--qos',
        '1',
        '--run-id',
        runId,
        '--max-attempts',
        '1',
      ],
      { ...baseEnv, ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), 'gw-runs-')) },
    );
    expect(res.code).toBe(0);
    const counters = await client.hgetall(INGEST_KEYS.runCounters(runId));
    expect(Number(counters['recv_total'])).toBe(2000);
    expect(Number(counters['pipeline_success_total'])).toBe(2000);
    const [ra, rb] = [
      await metric(a.opsUrl, 'ingest_recv_total'),
      await metric(b.opsUrl, 'ingest_recv_total'),
    ];
    expect(ra + rb).toBe(2000);
    expect(ra).toBeGreaterThan(0);
    expect(rb).toBeGreaterThan(0);
  });

  it('counts and dead-letters a burst of 1,000 malformed messages in a healthy stream, losing no healthy one', async () => {
    const gw = await startGateway({ ...baseEnv, GATEWAY_ID: 'gw-bad' });
    gateways.push(gw);
    const runId = `gw-bad-${Date.now()}`;
    const pub = await mqtt.connectAsync(broker.url, { clientId: `bad-pub-${Date.now()}` });
    const bad = (i: number): Buffer => {
      switch (i % 5) {
        case 0:
          return Buffer.from(`not json ${i} "runId":"${runId}"`);
        case 1:
          return Buffer.from(
            JSON.stringify({ v: 1, deviceId: `sv-bad-${i}`, ts: Date.now(), runId, tempC: 'hot' }),
          );
        case 2:
          return Buffer.from(JSON.stringify({ v: 1, runId, i }));
        case 3:
          return Buffer.concat([
            Buffer.from(`{"runId":"${runId}","pad":"`),
            Buffer.alloc(5000, 0x61),
            Buffer.from(`${i}"}`),
          ]);
        default:
          return Buffer.from([0xff, 0xfe, i & 0xff, (i >> 8) & 0xff, 0x00]);
      }
    };
    for (let i = 0; i < 2000; i += 1) {
      const good = i % 2 === 0;
      const payload = good
        ? Buffer.from(
            JSON.stringify({
              v: 1,
              deviceId: `sv-mix-${i % 50}`,
              seq: i,
              ts: Date.now(),
              runId,
              tempC: 55,
              targetC: 56,
              heaterOn: true,
              pumpOn: true,
              waterLevel: 0.8,
              state: 'cooking',
            }),
          )
        : bad(i);
      await pub.publishAsync(`sousvide/sv-mix-${i % 50}/telemetry`, payload, { qos: 1 });
    }
    await pub.endAsync();
    const deadline = Date.now() + 20_000;
    let counters: Record<string, string> = {};
    while (Date.now() < deadline) {
      counters = await client.hgetall(INGEST_KEYS.runCounters(runId));
      if (
        Number(counters['parse_ok_total'] ?? 0) >= 1000 &&
        Number(counters['parse_fail_total'] ?? 0) >= 800
      ) {
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    // The binary payloads carry no run id; they count under the no-run bucket.
    expect(Number(counters['parse_ok_total'])).toBe(1000);
    expect(Number(counters['pipeline_success_total'])).toBe(1000);
    expect(Number(counters['parse_fail_total'])).toBe(800);
    const noRun = await client.hgetall(INGEST_KEYS.runCounters('_none'));
    expect(Number(noRun['parse_fail_total'])).toBeGreaterThanOrEqual(200);
    expect(await metric(gw.opsUrl, 'ingest_parse_fail_total')).toBe(1000);
    const dlq = new Queue(QUEUE_NAMES.dlq, { connection: { url: redis.url } });
    try {
      const waiting = await dlq.getJobs(['waiting'], 0, -1);
      const mine = waiting.filter(
        (j) =>
          (j.data as { runId?: string }).runId === runId ||
          (j.data as { kind: string }).kind === 'parse',
      );
      expect(
        mine.filter((j) => (j.data as { kind: string }).kind === 'parse').length,
      ).toBeGreaterThanOrEqual(1000);
    } finally {
      await dlq.close();
    }
    expect(gw.child.exitCode).toBeNull();
    expect((await fetch(`${gw.opsUrl}/health`)).status).toBe(200);
  });

  it('in bypass mode counts influx_bypass_total and writes nothing to the store', async () => {
    gateways.push(
      await startGateway({
        ...baseEnv,
        GATEWAY_ID: 'gw-bypass',
        INGEST_INFLUX_WRITE_MODE: 'bypass',
      }),
    );
    const artifacts = mkdtempSync(join(tmpdir(), 'gw-runs-'));
    const runId = `gw-bypass-${Date.now()}`;
    const res = await runLoad(
      [
        '--connections',
        '50',
        '--partitions',
        '1',
        '--parallelism',
        '50',
        '--mps',
        '2',
        '--duration',
        '2',
        '--qos',
        '1',
        '--run-id',
        runId,
        '--max-attempts',
        '1',
      ],
      { ...baseEnv, ARTIFACTS_DIR: artifacts },
    );
    expect(res.code).toBe(0);
    const biz = JSON.parse(
      readFileSync(join(artifacts, runId, 'attempt-1', 'business-summary.json'), 'utf8'),
    ) as BusinessSummary;
    expect(biz).toMatchObject({
      recv_total: 200,
      influx_bypass_total: 200,
      influx_ok_total: 0,
      influx_write_mode: 'bypass',
      business_pipeline_success_rate: 1,
    });
    // Give the store the time a write would need to show up, then check nothing did.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await storedPoints(vm, runId, 0)).toEqual({ points: 0, series: 0 });
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
    // Nest re-raises the signal after its shutdown hooks ran, so the exit is by SIGTERM.
    await a.stop('SIGTERM');
    expect(a.child.signalCode).toBe('SIGTERM');
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
      const jobs = await dlq.getJobs(['waiting'], 0, -1);
      const mine = jobs.filter((j) => (j.data as { runId?: string; kind: string }).runId === runId);
      // Every heartbeat that failed is in the DLQ exactly once: nothing lost, nothing doubled.
      expect(mine.filter((j) => (j.data as { kind: string }).kind === 'redis')).toHaveLength(
        redisFailed,
      );
      expect(new Set(mine.map((j) => j.id)).size).toBe(mine.length);
    } finally {
      await dlq.close();
    }
  });
});
