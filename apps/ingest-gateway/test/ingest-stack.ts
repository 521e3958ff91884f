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
