import { join } from 'node:path';
import type { ConnectionSummary, RunSpec } from '@sousvide/loadtest-contracts';
import { MqttService, RedisService, startMosquitto, startRedis } from '@sousvide/testing';
import { artifactsDir, exitOf, readJson, runCli } from './cli-runner';

const BASE = ['--connections', '100', '--partitions', '1', '--parallelism', '50', '--mps', '5'];

describe('loadtest run --loop closed (real agents, Redis and Mosquitto)', () => {
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

  it('carries loop and window from the CLI to the agents, run.json, the summary, the table and --json', async () => {
    const runId = `int-closed-${Date.now()}`;
    const res = await runCli(
      [
        ...['loadtest', 'run', ...BASE, '--duration', '3', '--qos', '1', '--model', 'lean'],
        ...[
          '--loop',
          'closed',
          '--window',
          '2',
          '--run-id',
          runId,
          '--max-attempts',
          '1',
          '--json',
        ],
      ],
      env,
    );

    expect(exitOf(res)).toMatchObject({ code: 0 });
    const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    expect(readJson<{ spec: RunSpec }>(join(dir, 'run.json')).spec).toMatchObject({
      loop: 'closed',
      window: 2,
    });
    const summary = readJson<ConnectionSummary>(join(dir, 'connection-summary.json'));
    expect(summary.loop).toBe('closed');
    expect(summary.closed_loop).toMatchObject({ window: 2, target_rate: 500 });
    // Every slot is accounted for: acked, failed, or withheld by the window.
    expect(
      summary.published_total + summary.failed_total + (summary.closed_loop?.withheld_total ?? -1),
    ).toBe(summary.scheduled_total);
    const outcome = JSON.parse(res.stdout) as { attempts: { summary: ConnectionSummary }[] };
    expect(outcome.attempts[0].summary.closed_loop?.window).toBe(2);
    // With --json the table goes to stderr.
    expect(res.stderr).toMatch(/publish loop\s+closed, window 2: /);
    expect(res.stderr).toContain('closed loop (window 2)');
  });

  // Bad --loop/--window values: the refusal table in loadtest.int-spec.ts.

  it('documents the options in --help', async () => {
    const res = await runCli(['loadtest', 'run', '--help'], env);
    expect(exitOf(res)).toMatchObject({ code: 0 });
    expect(res.stdout).toContain('--loop open|closed');
    expect(res.stdout).toContain('--window N');
  });
});
