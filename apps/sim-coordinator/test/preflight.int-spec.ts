import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { connect, createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import { RedisService, startRedis } from '@sousvide/testing';
import { probePreflightFacts } from '../src/app/preflight/preflight.probe';
import { artifactsDir, COORDINATOR, ROOT, runCli } from './cli-runner';

/** A TCP listener in its own process, as a broker would be: `exec` under `name` with a nofile limit. */
async function startListener(
  opts: { nofile?: number; as?: string } = {},
): Promise<{ port: number; child: ChildProcess }> {
  let exe = process.execPath;
  if (opts.as) {
    exe = join(mkdtempSync(join(tmpdir(), 'preflight-')), opts.as);
    symlinkSync(process.execPath, exe);
  }
  const script =
    "const s=require('net').createServer(c=>c.on('error',()=>{}));" +
    "s.listen(0,'127.0.0.1',()=>console.log('PORT='+s.address().port));";
  const limit = opts.nofile ? `ulimit -n ${opts.nofile}; ` : '';
  // No inherited NODE_OPTIONS (a test runner's hooks) in what stands in for a broker.
  const child = spawn('bash', ['-c', `${limit}exec "$0" -e "$1"`, exe, script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT=(\d+)/.exec(out);
      if (m) {
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`listener exited with ${code}: ${out}`)));
  });
  return { port, child };
}

const RUN = ['loadtest', 'run', '--partitions', '1', '--parallelism', '10', '--mps', '1'];
const ARGS = [...RUN, '--duration', '5', '--qos', '1', '--max-attempts', '1'];

describe('preflight (real processes, real Redis)', () => {
  let redis: RedisService;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    children.forEach((c) => c.kill('SIGKILL'));
    await redis?.stop();
  });

  /** Partition jobs in the queue, whatever their state. */
  async function queuedJobs(): Promise<number> {
    const queue = new Queue(QUEUE_NAMES.partitions, { connection: { url: redis.url } });
    try {
      const counts = await queue.getJobCounts();
      return Object.values(counts).reduce((a, b) => a + b, 0);
    } finally {
      await queue.close();
    }
  }

  it('finds the listening broker process and reads its file limit', async () => {
    const broker = await startListener({ nofile: 333 });
    children.push(broker.child);

    const facts = probePreflightFacts('127.0.0.1', broker.port);

    expect(facts.broker).toMatchObject({ pid: broker.child.pid, nofile: { soft: 333, hard: 333 } });
    expect(facts.broker?.isDockerProxy).toBe(false);
    // Node listens with a backlog of 511; `ss` reports it as the listener's Send-Q.
    expect(facts.broker?.backlog).toBe(511);
    expect(facts.agentNofile?.soft).toBeGreaterThan(0);
    expect(facts.memAvailableBytes).toBeGreaterThan(0);
  });

  it('refuses a run the broker cannot hold: exit 2, the limit named, nothing enqueued', async () => {
    const broker = await startListener({ nofile: 333 });
    children.push(broker.child);
    const runId = `pf-broker-${Date.now()}`;

    const res = await runCli([...ARGS, '--connections', '1000', '--run-id', runId], {
      REDIS_URL: redis.url,
      MQTT_URL: `mqtt://127.0.0.1:${broker.port}`,
      ARTIFACTS_DIR: artifactsDir(),
    });

    expect(res.code).toBe(2);
    expect(res.stderr).toContain('preflight refused attempt 1, nothing enqueued');
    expect(res.stderr).toContain('of its nofile limit 333');
    expect(res.stderr).toContain('fix: raise the broker');
    expect(await queuedJobs()).toBe(0);
  });

  it('refuses a run past what a docker-proxy on the route carries', async () => {
    const proxy = await startListener({ as: 'docker-proxy', nofile: 6000 });
    children.push(proxy.child);

    expect(probePreflightFacts('127.0.0.1', proxy.port).broker?.isDockerProxy).toBe(true);
    const res = await runCli(
      [...ARGS, '--connections', '2000', '--run-id', `pf-proxy-${Date.now()}`],
      {
        REDIS_URL: redis.url,
        MQTT_URL: `mqtt://127.0.0.1:${proxy.port}`,
        ARTIFACTS_DIR: artifactsDir(),
      },
    );

    expect(res.code).toBe(2);
    expect(res.stderr).toContain('is served by docker-proxy');
    expect(res.stderr).toContain('carries about 1,000 connections');
    expect(res.stderr).toContain('STACK_NETWORK=host');
  });

  it('refuses more connections per agent than the file limit its processes inherit', async () => {
    const broker = await startListener();
    children.push(broker.child);
    const args = [...ARGS, '--connections', '3000', '--run-id', `pf-agent-${Date.now()}`];

    // The coordinator under a low limit, as from a shell that ran `ulimit -n 2048`.
    const res = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(
        'bash',
        ['-c', 'ulimit -n 2048; exec "$@"', 'sh', process.execPath, COORDINATOR, ...args],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            REDIS_URL: redis.url,
            MQTT_URL: `mqtt://127.0.0.1:${broker.port}`,
            ARTIFACTS_DIR: artifactsDir(),
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });

    expect(res.code).toBe(2);
    expect(res.stderr).toContain(
      'the one agent process opens up to 3,000 connections + 64 files = 3,064 of its nofile limit 2,048',
    );
    expect(res.stderr).toContain('--partitions 2 or more');
    expect(await queuedJobs()).toBe(0);
  });

  it('counts sockets towards the broker left in TIME_WAIT', async () => {
    const server = createServer((c) => c.on('error', () => undefined));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    const sockets = await Promise.all(
      Array.from(
        { length: 40 },
        () =>
          new Promise<Socket>((resolve) => {
            const s = connect(port, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    // The side that closes first keeps TIME_WAIT: here, the client.
    await Promise.all(sockets.map((s) => new Promise((r) => s.end(() => s.once('close', r)))));
    server.close();

    const facts = probePreflightFacts('127.0.0.1', port);

    expect(facts.towardsBroker.timeWait).toBeGreaterThanOrEqual(40);
    expect(facts.towardsBroker.bySource['127.0.0.1']?.timeWait).toBeGreaterThanOrEqual(40);
  });
});
