import { ChildProcess } from 'node:child_process';
import { freePort, MqttService, RedisService, startMosquitto, startRedis } from '@sousvide/testing';
import { API_AUTH, artifactsDir, startServe } from './cli-runner';

describe('coordinator HTTP API (real Redis, Mosquitto and local agents)', () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let api: ChildProcess;
  let base: string;

  beforeAll(async () => {
    [redis, mqtt] = await Promise.all([startRedis(), startMosquitto()]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = await startServe(port, {
      REDIS_URL: redis.url,
      MQTT_URL: mqtt.url,
      ARTIFACTS_DIR: artifactsDir(),
    });
  });
  afterAll(async () => {
    api?.kill('SIGTERM');
    await Promise.allSettled([redis?.stop(), mqtt?.stop()]);
  });

  it('reports health with the Redis check', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', details: { redis: { status: 'up' } } });
  });

  it('rejects a bad spec with 400 and the problems by field', async () => {
    const res = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { ...API_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        totalConnections: 10,
        partitions: 1,
        connectParallelism: 5,
        mps: 1,
        durationSec: 0,
        qos: 5,
      }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { problems: { field: string }[] };
    expect(body.problems.map((p) => p.field).sort()).toEqual(['durationSec', 'qos']);
  });

  it('rejects bad SLO targets with 400 naming each, and starts nothing', async () => {
    const runId = `api-badslo-${Date.now()}`;
    const res = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { ...API_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        runId,
        totalConnections: 10,
        partitions: 1,
        connectParallelism: 5,
        mps: 1,
        durationSec: 1,
        qos: 1,
        slo: { p95LatencyMs: 'fast' },
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: 'invalid SLO targets',
      problems: ['slo.p95LatencyMs must be a number above 0 and at most 3600000 (got "fast")'],
    });
    expect((await fetch(`${base}/runs/${runId}`, { headers: API_AUTH })).status).toBe(404);
  });

  it('starts a run with POST /runs and reports it through GET /runs/:id until it passes', async () => {
    const runId = `api-${Date.now()}`;
    const res = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { ...API_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        runId,
        totalConnections: 50,
        partitions: 2,
        connectParallelism: 10,
        mps: 2,
        durationSec: 2,
        qos: 1,
        localAgents: true,
        slo: { p95LatencyMs: 350 },
      }),
    });
    expect(res.status).toBe(202);
    let view: {
      status: string;
      exitCode?: number;
      gate?: { gated: boolean; targets: { p95LatencyMs: number } };
      attempts: { gate: { gated: boolean; pass: boolean } }[];
      summaries: { published_total: number }[];
    } = { status: 'running', attempts: [], summaries: [] };
    // A deadline for a hang only: at load 27 two local agents took over 60 s to publish 200.
    const deadline = Date.now() + 180_000;
    while (view.status === 'running' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      view = (await (
        await fetch(`${base}/runs/${runId}`, { headers: API_AUTH })
      ).json()) as typeof view;
    }
    expect(JSON.stringify(view).slice(0, 3000)).toContain('"status":"passed"');
    expect(view.summaries[0].published_total).toBe(200);
    // The verdict the CLI would exit with, and the targets of this run.
    expect(view.exitCode).toBe(0);
    expect(view.gate).toMatchObject({ gated: true, targets: { p95LatencyMs: 350 } });
    expect(view.attempts[0].gate).toMatchObject({ gated: true, pass: true });
    const again = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { ...API_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        runId,
        totalConnections: 5,
        partitions: 1,
        connectParallelism: 1,
        mps: 1,
        durationSec: 1,
        qos: 1,
      }),
    });
    expect(again.status).toBe(409);
  }, 300_000);

  it('answers 404 for an unknown run', async () => {
    expect((await fetch(`${base}/runs/nope`, { headers: API_AUTH })).status).toBe(404);
  });
});
