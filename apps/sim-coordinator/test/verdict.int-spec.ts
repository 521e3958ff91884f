import { ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import type { BusinessSummary, LossAccounting } from '@sousvide/loadtest-contracts';
import { RunCounters } from '@sousvide/run-accounting';
import {
  MqttService,
  pollUntil,
  RedisService,
  startMosquitto,
  startRedis,
  startVictoriaMetrics,
  VictoriaMetricsService,
} from '@sousvide/testing';
import {
  artifactsDir,
  exitOf,
  EXTERNAL_AGENTS_ENV,
  readJson,
  runCli,
  startAgent,
  startCli,
} from './cli-runner';
import { startFailingStoreGateway, startGateway } from './gateway-process';

interface JsonOutcome {
  status: string;
  exitCode: number;
  attempts: { status: string; gate: { gated: boolean; checks: GateCheckJson[] } }[];
}
interface GateCheckJson {
  name: string;
  pass: boolean;
  measured: number;
  target: number;
  margin: number;
}

/** 50 devices x 1 msg/s x 2 s at QoS 1: 100 messages. */
const load = (runId: string, ...extra: string[]): string[] => [
  ...['loadtest', 'run', '--connections', '50', '--partitions', '1', '--parallelism', '50'],
  ...['--mps', '1', '--duration', '2', '--qos', '1', '--model', 'lean'],
  ...['--run-id', runId, '--max-attempts', '2', ...extra],
];
const failedChecks = (o: JsonOutcome): string[] =>
  o.attempts[0].gate.checks.filter((c) => !c.pass).map((c) => c.name);

describe('the run verdict: SLOs and the loss accounting gate the exit code (real gateway, agents, Redis, Mosquitto, VictoriaMetrics)', () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let vm: VictoriaMetricsService;
  let gateway: ChildProcess | undefined;
  /** One long-lived agent takes every run's partition, as compose's sim-agent would. */
  let agent: ChildProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    // $SYS every second: each run reads the broker's store figures before it dispatches and
    // after a drain that did not complete, from the next update (ADR 0027).
    [redis, mqtt, vm] = await Promise.all([
      startRedis(),
      startMosquitto({ sysIntervalSec: 1 }),
      startVictoriaMetrics(),
    ]);
    // Started once, not per run: the verdict does not depend on who starts the agent, and a
    // local agent's boot took seconds of each run on a busy machine. Runs queue until it listens.
    agent = startAgent(redis.url, 'verdict-agent');
  });
  beforeEach(() => {
    env = {
      REDIS_URL: redis.url,
      MQTT_URL: mqtt.url,
      ARTIFACTS_DIR: artifactsDir(),
      ...EXTERNAL_AGENTS_ENV,
    };
  });
  afterEach(() => {
    gateway?.kill('SIGKILL');
    gateway = undefined;
  });
  afterAll(async () => {
    agent?.kill('SIGKILL');
    await Promise.allSettled([redis?.stop(), mqtt?.stop(), vm?.stop()]);
  });

  it('refuses a bad SLO flag with exit 2 naming it, and starts nothing', async () => {
    const res = await runCli(load(`int-badslo-${Date.now()}`, '--slo-p95', 'fast'), env);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      '--slo-p95 must be a number above 0 and at most 3600000 (got "fast")',
    );
    expect(readdirSync(env.ARTIFACTS_DIR)).toEqual([]);
    const bad = await runCli(load(`int-badslo-${Date.now()}`), { ...env, SLO_SUCCESS_PCT: '120' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SLO_SUCCESS_PCT must be a number 0..100 (got "120")');
    expect(readdirSync(env.ARTIFACTS_DIR)).toEqual([]);
  });

  it('exits 3 naming each failed check and by how much, without a retry; --no-gate prints the same checks and exits 0', async () => {
    gateway = await startFailingStoreGateway(mqtt.url, redis.url, 'gw-verdict');
    const runId = `int-gate-${Date.now()}`;
    const res = await runCli([...load(runId), '--json'], env);
    const outcome = JSON.parse(res.stdout) as JsonOutcome;
    expect({ code: res.code, status: outcome.status, attempts: outcome.attempts.length }).toEqual({
      code: 3,
      status: 'gate_failed',
      attempts: 1,
    });
    // The latency of messages retried into the DLQ may miss the p95 too, depending on the load.
    expect(failedChecks(outcome)).toEqual(
      expect.arrayContaining(['ingestion success rate', 'Influx write failure rate']),
    );
    expect(failedChecks(outcome)).not.toContain('lost messages');
    const influx = outcome.attempts[0].gate.checks.find(
      (c) => c.name === 'Influx write failure rate',
    );
    expect(influx).toMatchObject({ measured: 100, target: 0.5, margin: -99.5 });
    const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    const run = readJson<{ status: string; reasons: string[]; gate: { targets: object } }>(
      join(dir, 'run.json'),
    );
    expect(run.status).toBe('gate_failed');
    expect(run.gate.targets).toMatchObject({ p95LatencyMs: 200, ingestionSuccessPct: 99.9 });
    expect(run.reasons).toContain(
      'SLO missed: Influx write failure rate 100% (target < 0.5%, missed by 99.5%)',
    );
    expect(res.stderr).toContain(
      `Run ${runId}: FAILED the gate (ingestion success rate, Influx write failure rate`,
    );

    const ungatedId = `int-nogate-${Date.now()}`;
    const ungated = await runCli([...load(ungatedId), '--no-gate'], env);
    expect(exitOf(ungated)).toMatchObject({ code: 0 });
    expect(ungated.stdout).toContain(
      `Run ${ungatedId}: PASSED, not gated (would fail: ingestion success rate, Influx write failure rate`,
    );
    expect(ungated.stdout).toMatch(
      /SLO Influx write failure rate\s+FAIL 100% \(target < 0\.5%, missed by 99\.5%\)/,
    );
  }, 420_000);

  it('flips the verdict with a settable target: a p95 below 0.001 ms fails, a generous one passes', async () => {
    gateway = await startGateway({
      MQTT_URL: mqtt.url,
      REDIS_URL: redis.url,
      INFLUX_URL: vm.url,
      GATEWAY_ID: 'gw-targets',
    });
    const strictId = `int-p95-strict-${Date.now()}`;
    const strict = await runCli([...load(strictId), '--slo-p95', '0.001', '--json'], env);
    expect(strict.code).toBe(3);
    expect(failedChecks(JSON.parse(strict.stdout) as JsonOutcome)).toEqual([
      'p95 end-to-end ingest latency',
    ]);
    const generousId = `int-p95-generous-${Date.now()}`;
    const generous = await runCli([...load(generousId), '--slo-p95', '600000'], env);
    expect(generous.stdout).toContain(`Run ${generousId}: PASSED after 1 attempt(s)`);
    expect(generous.stdout).toMatch(/check lost messages\s+PASS 0 messages/);
    expect(exitOf(generous)).toMatchObject({ code: 0 });
  }, 420_000);

  it('reports what was in flight and lost when the gateway is killed before the end, and fails the gate', async () => {
    gateway = await startGateway({
      MQTT_URL: mqtt.url,
      REDIS_URL: redis.url,
      INFLUX_URL: vm.url,
      GATEWAY_ID: 'gw-cut',
    });
    const runId = `int-cut-${Date.now()}`;
    // 50 devices x 2 msg/s x 10 s: the kill comes at the first arrival, so most of the run is
    // published after it; the drain stops 3 s after the last arrival.
    const cli = startCli(
      [
        ...['loadtest', 'run', '--connections', '50', '--partitions', '1', '--parallelism', '50'],
        ...['--mps', '2', '--duration', '10', '--qos', '1', '--model', 'lean'],
        ...['--run-id', runId, '--max-attempts', '1', '--drain-stall', '3'],
      ],
      env,
    );
    const client = new Redis(redis.url);
    try {
      const counters = new RunCounters(client);
      const seen = await pollUntil(
        async () => (await counters.read(runId)).counts.recv_total,
        (n) => n > 0,
        { timeoutMs: 150_000, intervalMs: 200 },
      );
      expect(seen).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
    gateway.kill('SIGKILL');
    const res = await cli.done;
    const b = readJson<BusinessSummary>(
      join(env.ARTIFACTS_DIR, runId, 'attempt-1', 'business-summary.json'),
    );
    expect(b.accounting).toBeDefined();
    const acc = b.accounting as LossAccounting;
    expect(res.code).toBe(3);
    expect(b.drain).toMatchObject({ stopped: 'stalled' });
    expect(acc.published).toBe(1000);
    expect(acc.stored).toBeLessThan(1000);
    // Mosquitto keeps the killed gateway's persistent shared-subscription sessions: what was
    // published after the kill waits there, measured through $SYS, not inferred.
    expect(acc.in_flight_measured?.broker).toBeGreaterThan(0);
    expect(acc.in_flight).toBeGreaterThan(0);
    expect(acc.stored + acc.in_dlq + acc.in_spool + acc.in_flight + acc.lost).toBe(1000);
    expect(b.slo.find((c) => c.name === 'ingestion success rate')?.pass).toBe(false);
    expect(res.stdout).toMatch(/in flight at cut-off\s+broker queue \d+ \| gateway buffers \d+/);
    expect(res.stdout).toContain(`Run ${runId}: FAILED the gate (ingestion success rate`);
  }, 420_000);
});
