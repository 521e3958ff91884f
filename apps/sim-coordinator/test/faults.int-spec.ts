import { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectionSummary } from '@sousvide/loadtest-contracts';
import { MqttService, RedisService, startMosquitto, startRedis } from '@sousvide/testing';
import { artifactsDir, exitOf, readJson, startAgent, startCli } from './cli-runner';

const ARGS = (runId: string, duration: number): string[] => [
  'loadtest',
  'run',
  '--connections',
  '100',
  '--partitions',
  '1',
  '--parallelism',
  '50',
  '--mps',
  '2',
  '--duration',
  String(duration),
  '--qos',
  '1',
  '--run-id',
  runId,
];

/** A progress line of the first attempt with messages published. */
const PUBLISHED_SOME = /\[attempt 1\] publishing .* published=[1-9]/;
/** From the CLI's spawn: the coordinator's and the agents' boots come first (slow on a busy box). */
const BOOTS_AND_FIRST_PUBLISH_MS = 150_000;

describe('agent loss and Ctrl-C (real agents, Redis and Mosquitto)', () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let env: Record<string, string>;
  const agents: ChildProcess[] = [];

  beforeAll(async () => {
    [redis, mqtt] = await Promise.all([startRedis(), startMosquitto()]);
  });
  afterAll(async () => {
    for (const a of agents) {
      a.kill('SIGKILL');
    }
    await Promise.allSettled([redis?.stop(), mqtt?.stop()]);
  });
  beforeEach(() => {
    env = { REDIS_URL: redis.url, MQTT_URL: mqtt.url, ARTIFACTS_DIR: artifactsDir() };
  });

  it('marks the partition of an agent killed mid-run as failed and retries the attempt on another agent', async () => {
    const runId = `int-kill-${Date.now()}`;
    const victim = startAgent(redis.url, 'victim');
    agents.push(victim);
    // 10 s: the victim dies in its first seconds (by its progress, not the clock), so a longer
    // run only makes the retry longer.
    const cli = startCli([...ARGS(runId, 10), '--agents', 'external', '--max-attempts', '2'], env);
    // Mid-run: the victim has published (its progress reached the coordinator).
    await cli.waitFor(PUBLISHED_SOME, BOOTS_AND_FIRST_PUBLISH_MS);
    victim.kill('SIGKILL');
    // Another host's agent, with room for the retry's two partitions.
    agents.push(startAgent(redis.url, 'survivor', { AGENT_CONCURRENCY: '2' }));
    await cli.waitFor('attempt 1: failed', 40_000);
    const res = await cli.done;
    const first = readJson<ConnectionSummary>(
      join(env.ARTIFACTS_DIR, runId, 'attempt-1', 'connection-summary.json'),
    );
    expect(first.status).toBe('failed');
    expect(first.parts[0].error).toMatch(/agent lost: victim stopped renewing its job lock/);
    expect(first.failed_total).toBe(2000);
    const second = readJson<ConnectionSummary>(
      join(env.ARTIFACTS_DIR, runId, 'attempt-2', 'connection-summary.json'),
    );
    expect(second.status).toBe('passed');
    expect(second.parts.every((p) => p.agentId === 'survivor')).toBe(true);
    expect(second.published_total).toBe(2000);
    expect(exitOf(res)).toMatchObject({ code: 0 });
  });

  it('fails an attempt fast when no agent takes a partition', async () => {
    for (const a of agents.splice(0)) {
      a.kill('SIGKILL');
    }
    const runId = `int-noagent-${Date.now()}`;
    // The pickup timeout shortened from its 30 s default: what is tested is that it, not the
    // partition timeout, ends the attempt.
    const res = await startCli([...ARGS(runId, 2), '--agents', 'external', '--max-attempts', '1'], {
      ...env,
      PICKUP_TIMEOUT_SEC: '5',
    }).done;
    expect(res.code).toBe(1);
    const summary = readJson<ConnectionSummary>(
      join(env.ARTIFACTS_DIR, runId, 'attempt-1', 'connection-summary.json'),
    );
    expect(summary.parts[0].error).toMatch(/no agent took this partition within 5 s/);
    // Fast: on the 5 s wait for an agent, not the 122 s partition timeout (duration + 120).
    expect(res.ms).toBeLessThan(120_000);
  });

  it('stops its agents on Ctrl-C and still writes the summary of what ran', async () => {
    const runId = `int-sigint-${Date.now()}`;
    const cli = startCli([...ARGS(runId, 60), '--max-attempts', '3'], env);
    await cli.waitFor(PUBLISHED_SOME, BOOTS_AND_FIRST_PUBLISH_MS);
    const interruptedAt = Date.now();
    cli.child.kill('SIGINT');
    const res = await cli.done;
    expect(res.code).toBe(130);
    expect(res.stderr).toContain('interrupted');
    const dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    const summary = readJson<ConnectionSummary>(join(dir, 'connection-summary.json'));
    expect(summary.published_total).toBeGreaterThan(0);
    expect(summary.published_total).toBeLessThan(12000);
    expect(summary.status).toBe('failed');
    expect(existsSync(join(dir, 'part-0.log'))).toBe(true);
    expect(existsSync(join(env.ARTIFACTS_DIR, runId, 'attempt-2'))).toBe(false);
    // Stopped, not run to its end: the rest of the 60 s of publishing would take longer.
    expect(Date.now() - interruptedAt).toBeLessThan(45_000);
  });
});
