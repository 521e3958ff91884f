import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RunCounters } from '@sousvide/run-accounting';
import {
  waitFor,
  waitForStoredPoints,
  MqttService,
  RedisService,
  startMosquitto,
  startRedis,
  startVictoriaMetrics,
  VictoriaMetricsService,
} from '@sousvide/testing';
import { GatewayProcess, ROOT } from './gateway-process';

const COORDINATOR = join(ROOT, 'dist/apps/sim-coordinator/main.js');

/** A `loadtest run` of the suites: QoS 1, one attempt. */
export interface LoadPlan {
  connections: number;
  partitions: number;
  parallelism: number;
  mps: number;
  /** Publish window, s. */
  duration: number;
  runId: string;
  /** Fail the run when no business summary comes of it (`--require-business-summary 1`). */
  requireBusinessSummary?: boolean;
}

/** `loadtest run`'s arguments for `plan`. */
export function loadArgs(plan: LoadPlan): string[] {
  return [
    ...['--connections', String(plan.connections), '--partitions', String(plan.partitions)],
    ...['--parallelism', String(plan.parallelism), '--mps', String(plan.mps)],
    ...['--duration', String(plan.duration), '--qos', '1'],
    ...['--run-id', plan.runId, '--max-attempts', '1'],
    ...(plan.requireBusinessSummary === true ? ['--require-business-summary', '1'] : []),
  ];
}

export function runLoad(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; out: string }> {
  return new Promise((res) => {
    let out = '';
    const child = spawn(process.execPath, [COORDINATOR, 'loadtest', 'run', ...args], {
      cwd: ROOT,
      // These tests check counts: the latency SLO is not judged (a busy machine misses it).
      env: { ...process.env, JUDGE_SLO: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => res({ code, out }));
  });
}

export interface IngestStack {
  redis: RedisService;
  broker: MqttService;
  vm: VictoriaMetricsService;
  client: Redis;
  baseEnv: Record<string, string>;
  /** Gateways a test started: stopped after each test, killed after the suite. */
  gateways: GatewayProcess[];
}

export interface IngestStackOptions {
  /**
   * Run Redis with only the ACL user `ingest` and this password (the passwordless default user
   * off): baseEnv then carries REDIS_USERNAME and REDIS_PASSWORD_FILE, which every process the
   * suite starts (gateway, coordinator, its agents) uses.
   */
  redisPassword?: string;
}

/** Registers the suite's hooks: one Redis, broker and store per suite; gateways per test. */
export function useIngestStack(options: IngestStackOptions = {}): IngestStack {
  const stack = { gateways: [] as GatewayProcess[] } as IngestStack;
  const password = options.redisPassword;
  const acl = password === undefined ? undefined : { username: 'ingest', password };
  beforeAll(async () => {
    [stack.redis, stack.broker, stack.vm] = await Promise.all([
      startRedis({ acl }),
      // $SYS every second: the coordinator's broker probe waits for the next update before each
      // attempt (up to Mosquitto's default 10 s, twice when a figure did not change).
      startMosquitto({ sysIntervalSec: 1 }),
      startVictoriaMetrics(),
    ]);
    stack.client = new Redis(stack.redis.url, acl ?? {});
    stack.baseEnv = {
      MQTT_URL: stack.broker.url,
      REDIS_URL: stack.redis.url,
      INFLUX_URL: stack.vm.url,
    };
    if (acl !== undefined) {
      const file = join(mkdtempSync(join(tmpdir(), 'ingest-stack-')), 'redis-password');
      writeFileSync(file, `${acl.password}\n`, { mode: 0o600 });
      stack.baseEnv['REDIS_USERNAME'] = acl.username;
      stack.baseEnv['REDIS_PASSWORD_FILE'] = file;
    }
  });
  afterAll(async () => {
    await Promise.allSettled(stack.gateways.map((g) => g.stop('SIGKILL')));
    stack.client?.disconnect();
    await Promise.allSettled([stack.redis?.stop(), stack.broker?.stop(), stack.vm?.stop()]);
  });
  afterEach(async () => {
    await Promise.allSettled(stack.gateways.splice(0).map((g) => g.stop()));
  });
  return stack;
}

/**
 * Waits (by event, up to 3 min) until every one of the run's `published` messages was stored or
 * dead-lettered, then checks each was counted once and stored once, over `devices` series. Not the
 * coordinator's summary: it stops waiting once the counters are quiet for 3 s, while a restarted
 * or adopting gateway may still be catching up.
 */
export async function expectEachStoredOnce(
  stack: IngestStack,
  runId: string,
  published: number,
  devices: number,
): Promise<void> {
  const counters = new RunCounters(stack.client);
  const settled = async () => {
    const c = (await counters.read(runId)).counts;
    return c.pipeline_success_total + c.dlq_total;
  };
  await waitFor(
    'every message stored or dead-lettered',
    async () => (await settled()) >= published,
    {
      timeoutMs: 180_000,
    },
  );
  const c = (await counters.read(runId)).counts;
  // What a dead process had stored comes back as a counted duplicate, never a second success.
  expect(c.pipeline_success_total + c.dlq_total).toBe(published);
  expect(c).toMatchObject({ recv_total: published, parse_ok_total: published });
  expect(await waitForStoredPoints(stack.vm, runId, published - c.dlq_total)).toEqual({
    points: published - c.dlq_total,
    series: devices,
  });
}

/**
 * A TCP server that accepts and never answers: a store that hangs. `writes()`: how many write
 * requests it has received (each holds its batch's slot until the gateway stops).
 */
export async function hangingStore(): Promise<{
  url: string;
  writes: () => number;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let received = '';
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('data', (d: Buffer) => (received += d.toString('latin1')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    writes: () => received.split('POST /api/v2/write').length - 1,
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((r) => server.close(() => r()));
    },
  };
}
