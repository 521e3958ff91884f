import { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { freePort, MqttService, RedisService, startMosquitto, startRedis } from '@sousvide/testing';
import type { SeriesRow } from '../src/app/series/series-row';
import { API_AUTH, API_TOKEN, artifactsDir, startServe } from './cli-runner';
import { chartColumn, chartsDrawn, launchBrowser } from './report-browser';

describe('live page of a run started over HTTP, in a real browser', () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let api: ChildProcess | undefined;
  let browser: Browser | undefined;
  const artifacts = artifactsDir();
  let base: string;

  beforeAll(async () => {
    [redis, mqtt, browser] = await Promise.all([startRedis(), startMosquitto(), launchBrowser()]);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = await startServe(port, {
      REDIS_URL: redis.url,
      MQTT_URL: mqtt.url,
      ARTIFACTS_DIR: artifacts,
    });
  });
  afterAll(async () => {
    api?.kill('SIGTERM');
    await browser?.close();
    await Promise.allSettled([redis?.stop(), mqtt?.stop()]);
  });

  it("draws the charts as seconds arrive, then becomes the run's report when it ends", async () => {
    const runId = `live-${Date.now()}`;
    const res = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { ...API_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        runId,
        totalConnections: 100,
        partitions: 1,
        connectParallelism: 50,
        mps: 1,
        durationSec: 8,
        qos: 1,
        localAgents: true,
        maxAttempts: 1,
      }),
    });
    expect(res.status).toBe(202);
    const page = await (browser as Browser).newPage();
    // A browser has no bearer header: the page answers with the login form, whose token sets the
    // dashboard cookie and returns to the run's page (the SSE stream then carries the cookie too).
    const first = await page.goto(`${base}/dashboard/${runId}`);
    expect(first?.status()).toBe(401);
    // Errors from here on (the 401 above is the login form's status, not a failure).
    const errors: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.fill('input[name="token"]', API_TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForSelector('#live-status');
    expect(page.url()).toBe(`${base}/dashboard/${runId}`);
    // Live: the status line counts seconds pushed over SSE, and the charts hold them.
    await page.waitForFunction(
      () =>
        Number(
          /(\d+) s sampled/.exec(document.getElementById('live-status')?.textContent ?? '')?.[1] ??
            0,
        ) >= 3,
      undefined,
      { timeout: 120_000 },
    );
    const live = await chartColumn(page, 1, 1);
    expect(live.length).toBeGreaterThanOrEqual(3);
    expect((await chartsDrawn(page)).map((d) => d.series)).toEqual([7, 3, 6, 2]);
    // The end event reloads the page, which the server now answers with the report.
    await page.waitForSelector('#series-data', { state: 'attached', timeout: 240_000 });
    const dir = join(artifacts, runId, 'attempt-1');
    const rows = readFileSync(join(dir, 'series.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SeriesRow);
    expect(await chartColumn(page, 0, 2)).toEqual(rows.map((r) => r.acked));
    expect(rows.reduce((n, r) => n + r.acked, 0)).toBe(800);
    expect(await page.textContent('#status')).toMatch(/^(PASSED|FAILED)$/);
    expect(errors).toEqual([]);
    const index = await (await fetch(`${base}/dashboard`, { headers: API_AUTH })).text();
    expect(index).toContain(`href="/dashboard/${runId}"`);
    // Local agents' boot and a whole run: minutes on a busy 2-core machine.
  }, 480_000);
});
