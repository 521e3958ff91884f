import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ConnectionSummary } from '@sousvide/loadtest-contracts';
import {
  countMessages,
  pollUntil,
  MqttService,
  RedisService,
  startMosquitto,
  startRedis,
} from '@sousvide/testing';
import { artifactsDir, exitOf, readJson, runCli } from './cli-runner';

const TELEMETRY = 'sousvide/+/telemetry';

describe('loadtest run (real agents, Redis and Mosquitto)', () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let env: Record<string, string>;

  beforeAll(async () => {
    [redis, mqtt] = await Promise.all([startRedis(), startMosquitto()]);
  });
  afterAll(async () => {
    await Promise.allSettled([redis?.stop(), mqtt?.stop()]);
  });
  beforeEach(() => {
    env = { REDIS_URL: redis.url, MQTT_URL: mqtt.url, ARTIFACTS_DIR: artifactsDir() };
  });

  it.each([
    ['mqttjs', 1],
    ['mqttjs', 0],
    ['lean', 1],
    ['lean', 0],
  ] as const)(
    'publishes 500 connections x 2 msg/s x 2 s over 2 partitions with the %s model at QoS %i, as counted at the broker',
    async (model, qos) => {
      const counter = countMessages(mqtt.url, TELEMETRY);
      await counter.ready;
      const runId = `int-${model}-q${qos}-${Date.now()}`;
      const res = await runCli(
        [
          'loadtest',
          'run',
          '--connections',
          '500',
          '--partitions',
          '2',
          '--parallelism',
          '100',
          '--mps',
          '2',
          '--duration',
          '2',
          '--qos',
          String(qos),
          '--model',
          model,
          '--run-id',
          runId,
          '--max-attempts',
          '1',
          '--json',
        ],
        env,
      );
      expect(res.stderr).toContain('[attempt 1]');
      expect(exitOf(res)).toMatchObject({ code: 0 });

      const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
      const summary = readJson<ConnectionSummary>(join(dir, 'connection-summary.json'));
      expect(summary.published_total).toBe(2000);
      expect(summary.failed_total).toBe(0);
      // Everything the broker took from the agents reaches the subscriber before a marker sent
      // after the run: then the count is final (nothing missing, nothing extra).
      await pollUntil(counter.count, (n) => n >= summary.published_total);
      await counter.settle('sousvide/settle-marker/telemetry');
      await counter.stop();
      expect(counter.count()).toBe(summary.published_total);
      expect(summary.connected_total).toBe(500);
      expect(summary.parts.map((p) => p.published_total)).toEqual([1000, 1000]);
      expect(summary.publish_ack_latency_ms.count).toBe(2000);
      expect(summary.qos).toBe(qos);
      expect(summary.model).toBe(model);

      for (const part of [0, 1]) {
        const log = readFileSync(join(dir, `part-${part}.log`), 'utf8');
        expect(log).toContain(`part ${part}/2`);
        expect(log).toContain('done published=1000 failed=0 scheduled=1000');
      }
      const run = readJson<{
        spec: { runId: string };
        host: { cores: number; nofileSoft: string };
      }>(join(dir, 'run.json'));
      expect(run.spec.runId).toBe(runId);
      expect(run.host.cores).toBeGreaterThan(0);
      const outcome = JSON.parse(res.stdout) as { status: string; attempts: unknown[] };
      expect(outcome.status).toBe('passed');
      expect(outcome.attempts).toHaveLength(1);
    },
  );

  it('packs 4 partitions into 2 local agent processes of 2 partitions each, every partition its own job and result', async () => {
    const runId = `int-packed-${Date.now()}`;
    const res = await runCli(
      [
        'loadtest',
        'run',
        '--connections',
        '200',
        '--partitions',
        '4',
        '--parallelism',
        '50',
        '--mps',
        '1',
        '--duration',
        '2',
        '--qos',
        '1',
        '--model',
        'lean',
        '--run-id',
        runId,
        '--max-attempts',
        '1',
      ],
      { ...env, LOADTEST_AGENT_PROCESSES: '2' },
    );
    expect(exitOf(res)).toMatchObject({ code: 0 });
    const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    const run = readJson<{ agentProcesses: unknown }>(join(dir, 'run.json'));
    expect(run.agentProcesses).toEqual({
      processes: 2,
      partitionsPerProcess: 2,
      maxConnectionsPerProcess: 100,
    });
    expect(existsSync(join(dir, 'agent-1.log'))).toBe(true);
    expect(existsSync(join(dir, 'agent-2.log'))).toBe(false);
    const summary = readJson<ConnectionSummary>(join(dir, 'connection-summary.json'));
    expect(summary.parts.map((p) => [p.part, p.published_total, p.failed_total])).toEqual([
      [0, 100, 0],
      [1, 100, 0],
      [2, 100, 0],
      [3, 100, 0],
    ]);
    // Barrier-started together, so each process held its 2 partitions at once.
    const perAgent = new Map<string, number>();
    for (const p of summary.parts) {
      perAgent.set(p.agentId, (perAgent.get(p.agentId) ?? 0) + 1);
    }
    expect([...perAgent.values()]).toEqual([2, 2]);
    expect([...perAgent.keys()].sort()).toEqual([`local-${runId}-a1-0`, `local-${runId}-a1-1`]);
  });

  it('runs the runbook wrapper verbatim', async () => {
    const runId = `int-wrapper-${Date.now()}`;
    const { spawnSync } = await import('node:child_process');
    const res = spawnSync('scripts/loadtest/run-distributed.sh', ['20', '1', '40', '1', '2', '1'], {
      cwd: join(__dirname, '../../..'),
      env: {
        ...process.env,
        ...env,
        SIM_TASK: 'mqttLoadTestHive',
        MAX_ATTEMPTS: '1',
        PART_TIMEOUT_SECONDS: '60',
        RUN_ID: runId,
      },
      encoding: 'utf8',
      // A hang's bound, not a speed check: a coordinator's and an agent's boot and a 1 s run.
      timeout: 170_000,
    });
    expect({ status: res.status, stderr: res.status === 0 ? '' : res.stderr }).toEqual({
      status: 0,
      stderr: '',
    });
    const summary = readJson<ConnectionSummary>(
      join(env.ARTIFACTS_DIR, runId, 'attempt-1', 'connection-summary.json'),
    );
    expect(summary.model).toBe('lean');
    expect(summary.published_total).toBe(40);
    expect(res.stdout).toContain(`Run ${runId}: PASSED`);
  });

  it.each([
    [
      ['--connections', 'ten'],
      'connections',
      'totalConnections must be an integer in 1..200000 (got "ten")',
    ],
    [
      ['--connections', '-5'],
      'connections',
      'totalConnections must be an integer in 1..200000 (got "-5")',
    ],
    [['--duration', '0'], 'duration', 'durationSec must be an integer in 1..86400 (got "0")'],
    [['--qos', '3'], 'qos', 'qos must be 0, 1 or 2 (got "3")'],
    [
      ['--loop', 'closed', '--qos', '0'],
      'loop',
      'loop closed needs qos 1 or 2: a QoS 0 publish has no acknowledgement to wait for',
    ],
    [['--loop', 'sideways'], 'loop', 'loop must be open or closed (got "sideways")'],
    [['--window', '0'], 'window', 'window must be an integer in 1..1000 (got "0")'],
    [
      ['--partitions', '11'],
      'partitions',
      'partitions must be at most totalConnections (10); got 11',
    ],
    [['--mps', '0'], 'mps', 'mps must be a number in 0.001..1000 (got "0")'],
    [
      ['--model', 'paho'],
      'model (SIM_TASK)',
      'SIM_TASK/model must be one of mqttjs, lean, mqttLoadTest, mqttLoadTestHive (got "paho")',
    ],
  ])(
    'rejects %p with exit code 2, a message naming --%s, and nothing enqueued',
    async (bad, flag, message) => {
      const args: Record<string, string> = {
        '--connections': '10',
        '--partitions': '1',
        '--parallelism': '5',
        '--mps': '1',
        '--duration': '1',
        '--qos': '1',
      };
      for (let i = 0; i < bad.length; i += 2) {
        args[bad[i]] = bad[i + 1];
      }
      const client = new Redis(redis.url);
      try {
        // Key names, not DBSIZE (which went 28 -> 29 once): BullMQ's `stalled-check` key comes
        // and goes on a TTL of its own while an agent's worker checks for stalled jobs.
        const keys = async () =>
          (await client.keys('*')).filter((k) => !k.endsWith(':stalled-check')).sort();
        const keysBefore = await keys();
        const res = await runCli(
          ['loadtest', 'run', ...Object.entries(args).map(([k, v]) => `${k}=${v}`)],
          env,
        );
        expect(res.code).toBe(2);
        expect(res.stderr).toContain(`--${flag}: ${message}`);
        expect(res.stderr).toContain('nothing enqueued');
        expect(await keys()).toEqual(keysBefore);
      } finally {
        client.disconnect();
      }
    },
  );

  it('rejects an unknown SIM_TASK from the environment with exit code 2', async () => {
    const res = await runCli(
      [
        'loadtest',
        'run',
        '--connections',
        '10',
        '--partitions',
        '1',
        '--parallelism',
        '5',
        '--mps',
        '1',
        '--duration',
        '1',
        '--qos',
        '1',
      ],
      { ...env, SIM_TASK: 'mqttLoadTestPaho' },
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('SIM_TASK/model must be one of');
  });

  it('fails an attempt without a business summary when REQUIRE_BUSINESS_SUMMARY=1 and no gateway counted it', async () => {
    const runId = `int-require-${Date.now()}`;
    const res = await runCli(
      [
        'loadtest',
        'run',
        '--connections',
        '10',
        '--partitions',
        '1',
        '--parallelism',
        '10',
        '--mps',
        '1',
        '--duration',
        '1',
        '--qos',
        '1',
        '--run-id',
        runId,
        '--max-attempts',
        '1',
      ],
      { ...env, REQUIRE_BUSINESS_SUMMARY: '1', DRAIN_WINDOW_SEC: '2' },
    );
    expect(res.code).toBe(1);
    const summary = readJson<ConnectionSummary>(
      join(env.ARTIFACTS_DIR, runId, 'attempt-1', 'connection-summary.json'),
    );
    expect(summary.published_total).toBe(10);
    expect(summary.failed_total).toBe(0);
    expect(summary.failure_reasons).toEqual([
      'REQUIRE_BUSINESS_SUMMARY=1 but no business-summary.json was produced for this attempt (no gateway counted this run)',
    ]);
    expect(existsSync(join(env.ARTIFACTS_DIR, runId, 'attempt-1', 'business-summary.json'))).toBe(
      false,
    );
  });

  it('says clearly within seconds that Redis is unreachable, with a non-zero exit', async () => {
    const res = await runCli(
      [
        'loadtest',
        'run',
        '--connections',
        '10',
        '--partitions',
        '1',
        '--parallelism',
        '5',
        '--mps',
        '1',
        '--duration',
        '1',
        '--qos',
        '1',
      ],
      { ...env, REDIS_URL: 'redis://127.0.0.1:1' },
    );
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Redis at redis:\/\/127\.0\.0\.1:1 is unreachable \(ECONNREFUSED\)/);
    // Against a run that fails at once on its arguments, now, on this machine: the preflight may
    // add its 3 s, not a CLI retrying forever.
    const bare = await runCli(['loadtest', 'run', '--connections', 'none'], env);
    expect(bare.code).toBe(2);
    expect(res.ms).toBeLessThan(bare.ms + 10_000);
  });

  it('counts refused connects by class, fails the attempt and retries with more partitions and lower parallelism', async () => {
    const runId = `int-refused-${Date.now()}`;
    const res = await runCli(
      [
        'loadtest',
        'run',
        '--connections',
        '20',
        '--partitions',
        '1',
        '--parallelism',
        '80',
        '--mps',
        '1',
        '--duration',
        '1',
        '--qos',
        '1',
        '--run-id',
        runId,
        '--max-attempts',
        '2',
        '--broker-url',
        'mqtt://127.0.0.1:1',
      ],
      env,
    );
    expect(res.code).toBe(1);
    const first = readJson<ConnectionSummary>(
      join(env.ARTIFACTS_DIR, runId, 'attempt-1', 'connection-summary.json'),
    );
    const second = readJson<ConnectionSummary>(
      join(env.ARTIFACTS_DIR, runId, 'attempt-2', 'connection-summary.json'),
    );
    expect(first.status).toBe('failed');
    expect(first.failures_by_class.connect.connect_refused).toBe(20);
    expect(first.failed_total).toBe(20);
    expect(first.published_total).toBe(0);
    expect([second.partitions, second.connect_parallelism]).toEqual([2, 40]);
    expect(second.failures_by_class.connect.connect_refused).toBe(20);
    expect(existsSync(join(env.ARTIFACTS_DIR, runId, 'attempt-3'))).toBe(false);
  });
});
