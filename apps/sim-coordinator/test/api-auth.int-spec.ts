import { readdirSync, readFileSync, statSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import {
  freePort,
  MqttService,
  RedisService,
  startMosquitto,
  startRedis,
  waitFor,
} from '@sousvide/testing';
import {
  API_AUTH,
  API_TOKEN,
  apiTokenFile,
  artifactsDir,
  type CliProcess,
  runCli,
  startCli,
} from './cli-runner';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The local addresses TCP sockets listen on at `port` (from /proc/net/tcp{,6}, state LISTEN). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[1]?.endsWith(`:${hexPort}`) && f[3] === '0A')
      .map((f) => f[1].split(':')[0]),
  );
}

const run = (runId: string) => ({
  runId,
  totalConnections: 2,
  partitions: 1,
  connectParallelism: 1,
  mps: 1,
  durationSec: 30,
  qos: 1,
  maxAttempts: 1,
});

describe("the coordinator API's token, bind address and run limit (real Redis and Mosquitto)", () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let serve: CliProcess | undefined;
  let base: string;
  let port: number;
  const artifacts = artifactsDir();

  beforeAll(async () => {
    [redis, mqtt] = await Promise.all([startRedis(), startMosquitto()]);
  });
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.done;
    await Promise.allSettled([redis?.stop(), mqtt?.stop()]);
  });

  it('refuses to start its API without a token, naming the variables', async () => {
    // Empty counts as unset (compose passes `X: ${X:-}`), so this also hides a token of the caller's.
    const result = await runCli(['serve'], {
      REDIS_URL: redis.url,
      OPS_PORT: String(await freePort()),
      COORDINATOR_API_TOKEN: '',
      COORDINATOR_API_TOKEN_FILE: '',
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'COORDINATOR_API_TOKEN: is required: set COORDINATOR_API_TOKEN or COORDINATOR_API_TOKEN_FILE',
    );
    expect(result.stderr).toContain('does not start its API without a token');
  }, 120_000);

  it('starts with a token file, on 127.0.0.1 only by default', async () => {
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    serve = startCli(['serve'], {
      REDIS_URL: redis.url,
      MQTT_URL: mqtt.url,
      ARTIFACTS_DIR: artifacts,
      OPS_PORT: String(port),
      COORDINATOR_API_TOKEN_FILE: apiTokenFile(),
    });
    await serve.waitFor(`API on http://127.0.0.1:${port}`, 120_000);
    expect(serve.child.exitCode).toBeNull();
    // 0100007F is 127.0.0.1 in /proc/net/tcp: no socket on 0.0.0.0 or another address.
    expect(listeningAddresses(port)).toEqual(['0100007F']);
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const elsewhere = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal);
    if (elsewhere) {
      await expect(fetch(`http://${elsewhere.address}:${port}/health`)).rejects.toThrow();
    }
  }, 180_000);

  it('answers 401 without the token or with a wrong one, 202/200 with it; /health and /metrics stay open', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${base}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
    const wrong = 'f'.repeat(64);
    const refused = await post(run('auth-refused'));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="sim-coordinator"');
    expect(((await refused.json()) as { message: string }).message).toContain(
      'COORDINATOR_API_TOKEN',
    );
    const forged = await post(run('auth-refused'), { authorization: `Bearer ${wrong}` });
    expect(forged.status).toBe(401);
    expect(await forged.text()).not.toContain(wrong);
    expect((await fetch(`${base}/runs/auth-refused`)).status).toBe(401);
    // Nothing was started by the refused requests.
    expect((await fetch(`${base}/runs/auth-refused`, { headers: API_AUTH })).status).toBe(404);
    const html = await fetch(`${base}/dashboard`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(401);
    expect(await html.text()).toContain('action="/dashboard/session"');

    // No agent takes its partition (the API's runs use running agents), so it stays running.
    const accepted = await post(run('auth-1'), API_AUTH);
    expect(accepted.status).toBe(202);
    const view = await fetch(`${base}/runs/auth-1`, { headers: API_AUTH });
    expect(view.status).toBe(200);
    expect(await view.json()).toMatchObject({ runId: 'auth-1', status: 'running' });
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
    expect((await fetch(`${base}/dashboard`, { headers: API_AUTH })).status).toBe(200);
  }, 120_000);

  it('answers 429 naming the limit and the active run while MAX_CONCURRENT_RUNS (1) runs are active', async () => {
    const res = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { ...API_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify(run('auth-2')),
    });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: string; limit: number; activeRuns: string[] };
    expect(body).toMatchObject({ limit: 1, activeRuns: ['auth-1'] });
    expect(body.error).toContain('MAX_CONCURRENT_RUNS=1');
    expect(body.error).toContain('active: auth-1');
    expect((await fetch(`${base}/runs/auth-2`, { headers: API_AUTH })).status).toBe(404);
  }, 60_000);

  it('never writes the token into its log or the run artifacts', async () => {
    // auth-1 writes its run.json once its preflight is done, which on a loaded machine came after
    // the tests above (CI of 7e4e1f8): there was then nothing to read. Stopped once it exists.
    await waitFor(
      "auth-1's run.json",
      () => filesUnder(artifacts).some((f) => f.endsWith('run.json')),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    serve?.child.kill('SIGTERM');
    const result = await (serve as CliProcess).done;
    const written = filesUnder(artifacts);
    expect(written.some((f) => f.endsWith('run.json'))).toBe(true);
    for (const file of written) {
      expect(readFileSync(file, 'utf8')).not.toContain(API_TOKEN);
    }
    // pino writes to stdout: the refusals are logged, without what was presented.
    const log = `${result.stdout}\n${result.stderr}`;
    expect(log).toContain('API request refused');
    expect(log).not.toContain(API_TOKEN);
    expect(log).not.toContain('f'.repeat(64));
  }, 120_000);
});
