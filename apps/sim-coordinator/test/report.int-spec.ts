import { ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { BusinessSummary, ConnectionSummary } from '@sousvide/loadtest-contracts';
import {
  MqttService,
  RedisService,
  startMosquitto,
  startRedis,
  startVictoriaMetrics,
  VictoriaMetricsService,
} from '@sousvide/testing';
import type { SeriesRow } from '../src/app/series/series-row';
import { artifactsDir, exitOf, readJson, runCli } from './cli-runner';
import { startGateway } from './gateway-process';
import { chartColumn, chartsDrawn, jsonCells, launchBrowser, openFile } from './report-browser';

const FILES: Record<string, string> = {
  run: 'run.json',
  connection: 'connection-summary.json',
  business: 'business-summary.json',
  cpu: 'cpu-budget.json',
};

/** The value at `connection.parts.0.part` in the attempt's files. */
function jsonValue(dir: string, path: string): unknown {
  const [file, ...keys] = path.split('.');
  let v: unknown = readJson(join(dir, FILES[file]));
  for (const k of keys) {
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

const sum = (rows: SeriesRow[], k: keyof SeriesRow): number =>
  rows.reduce((n, r) => n + (typeof r[k] === 'number' ? (r[k] as number) : 0), 0);

describe('per-second series and report.html of a real run, checked in a real browser', () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let vm: VictoriaMetricsService;
  let gateway: ChildProcess | undefined;
  let browser: Browser | undefined;
  const env: Record<string, string> = {};
  const runId = `int-report-${Date.now()}`;
  let dir: string;

  beforeAll(async () => {
    // $SYS every second: the run reads the broker's store figures before it dispatches, from
    // the next update (ADR 0027).
    [redis, mqtt, vm, browser] = await Promise.all([
      startRedis(),
      startMosquitto({ sysIntervalSec: 1 }),
      startVictoriaMetrics(),
      launchBrowser(),
    ]);
    gateway = await startGateway({
      MQTT_URL: mqtt.url,
      REDIS_URL: redis.url,
      INFLUX_URL: vm.url,
      GATEWAY_ID: 'gw-report',
      AUDIT_LOG_PATH: join(artifactsDir(), 'audit.jsonl'),
    });
    Object.assign(env, {
      REDIS_URL: redis.url,
      MQTT_URL: mqtt.url,
      ARTIFACTS_DIR: artifactsDir(),
      DRAIN_WINDOW_SEC: '90',
    });
    dir = join(env.ARTIFACTS_DIR, runId, 'attempt-1');
    const res = await runCli(
      [
        ...['loadtest', 'run', '--connections', '200', '--partitions', '2', '--parallelism', '50'],
        ...['--mps', '2', '--duration', '8', '--qos', '1', '--model', 'mqttjs'],
        ...['--run-id', runId, '--max-attempts', '1'],
      ],
      env,
    );
    // The verdict depends on the machine's load (the p95 SLO); the report must exist either way.
    expect(res.stderr).toContain(`report: ${join(dir, 'report.html')}`);
    // Containers, a gateway's boot and a whole run: minutes on a busy 2-core machine.
  }, 480_000);
  afterAll(async () => {
    gateway?.kill('SIGKILL');
    await browser?.close();
    await Promise.allSettled([redis?.stop(), mqtt?.stop(), vm?.stop()]);
  });

  it('writes series.jsonl whose per-second figures add up to the attempt summaries', () => {
    const rows = readFileSync(join(dir, 'series.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as SeriesRow);
    const c = readJson<ConnectionSummary>(join(dir, 'connection-summary.json'));
    const b = readJson<BusinessSummary>(join(dir, 'business-summary.json'));
    expect(c.published_total).toBe(3200);
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows.some((r) => r.phase === 'publishing')).toBe(true);
    expect(Math.max(...rows.map((r) => r.connected))).toBe(200);
    expect(sum(rows, 'acked')).toBe(c.published_total);
    expect(sum(rows, 'due')).toBe(c.scheduled_total);
    expect(sum(rows, 'received')).toBe(b.recv_total);
    expect(rows.at(-1)?.received_total).toBe(b.recv_total);
    expect(rows.some((r) => (r.e2e_p95_ms ?? 0) > 0)).toBe(true);
  });

  it("opens report.html from disk with no console errors, draws every chart and shows the JSON files' numbers", async () => {
    const { page, errors } = await openFile(browser as Browser, join(dir, 'report.html'));
    const drawn = await chartsDrawn(page);
    // x + 6 rates, x + 2 connection lines, x + 4 latency lines + the SLO, x + backlog.
    expect(drawn.map((d) => d.series)).toEqual([7, 3, 6, 2]);
    expect(drawn.every((d) => d.inked > 1000)).toBe(true);
    const rows = readFileSync(join(dir, 'series.jsonl'), 'utf8').trim().split('\n');
    const acked = rows.map((l) => (JSON.parse(l) as SeriesRow).acked);
    expect(await chartColumn(page, 0, 2)).toEqual(acked);
    const cells = await jsonCells(page);
    const paths = cells.map(([p]) => p);
    expect(paths).toEqual(
      expect.arrayContaining([
        'connection.published_total',
        'business.e2e_latency_ms.p95',
        'business.slo.4.pass',
        'business.accounting.lost',
        'connection.parts.1.published_total',
      ]),
    );
    for (const [path, text] of cells) {
      expect({ path, text }).toEqual({ path, text: String(jsonValue(dir, path)) });
    }
    await page.screenshot({ path: join(env.ARTIFACTS_DIR, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
  });

  it('rewrites the report with `loadtest report` and prints the run as a benchmarks.md row with `loadtest table`', async () => {
    const before = statSync(join(dir, 'report.html')).mtimeMs;
    const report = await runCli(['loadtest', 'report', runId], env);
    expect({ code: report.code, stdout: report.stdout }).toEqual({
      code: 0,
      stdout: `${join(dir, 'report.html')}\n`,
    });
    expect(statSync(join(dir, 'report.html')).mtimeMs).toBeGreaterThan(before);
    const table = await runCli(['loadtest', 'table', runId], env);
    expect(exitOf(table)).toMatchObject({ code: 0 });
    const lines = table.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain(
      `| \`loadtest run --connections 200 --partitions 2 --parallelism 50 --mps 2 --duration 8 --qos 1 --model mqttjs --max-attempts 1\` | ${runId} | 1 |`,
    );
    expect(lines[2]).toContain('| 200/200 |');
    expect(lines[2]).toContain('| 3,200 |');
    const missing = await runCli(['loadtest', 'table', runId, 'no-such-run'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('run no-such-run: no attempts under');
    expect(missing.stdout).toContain(runId);
  });

  it('reads artifacts whatever REDIS_URL and MQTT_URL say, and a run refuses them by name', async () => {
    const broken = { ...env, REDIS_URL: 'http://127.0.0.1:6379', MQTT_URL: 'broker:1883' };
    const table = await runCli(['loadtest', 'table', runId], broken);
    expect(exitOf(table)).toMatchObject({ code: 0 });
    expect(table.stdout).toContain(`| ${runId} | 1 |`);
    const help = await runCli(['loadtest', '--help'], broken);
    expect(exitOf(help)).toMatchObject({ code: 0 });
    const run = await runCli(['loadtest', 'run', '--connections', '1'], broken);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/REDIS_URL: must be a redis:\/\/.*MQTT_URL/);
  });
});
