import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import {
  MqttService,
  RedisService,
  startMosquitto,
  startRedis,
  startVictoriaMetrics,
  VictoriaMetricsService,
} from '@sousvide/testing';
import { GatewayProcess, ROOT } from './gateway-process';

const COORDINATOR = join(ROOT, 'dist/apps/sim-coordinator/main.js');

export function runLoad(
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
export async function storedPoints(
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

export interface IngestStack {
  redis: RedisService;
  broker: MqttService;
  vm: VictoriaMetricsService;
  client: Redis;
  baseEnv: Record<string, string>;
  /** Gateways a test started: stopped after each test, killed after the suite. */
  gateways: GatewayProcess[];
}

/** Registers the suite's hooks: one Redis, broker and store per suite; gateways per test. */
export function useIngestStack(): IngestStack {
  const stack = { gateways: [] as GatewayProcess[] } as IngestStack;
  beforeAll(async () => {
    [stack.redis, stack.broker, stack.vm] = await Promise.all([
      startRedis(),
      startMosquitto(),
      startVictoriaMetrics(),
    ]);
    stack.client = new Redis(stack.redis.url);
    stack.baseEnv = {
      MQTT_URL: stack.broker.url,
      REDIS_URL: stack.redis.url,
      INFLUX_URL: stack.vm.url,
    };
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
