import { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exportedSampleNames,
  freePorts,
  MqttService,
  promqlMetricNames,
  RedisService,
  startMosquitto,
  startRedis,
  startVictoriaMetrics,
  VictoriaMetricsService,
  waitFor,
} from '@sousvide/testing';
import { API_AUTH, artifactsDir, ROOT, startAgent, startServe } from './cli-runner';
import { startGateway } from './gateway-process';

/** Series Prometheus makes itself for every target. */
const SYNTHETIC = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);

/** Every PromQL expression of the Grafana dashboard and of the Prometheus rules. */
function repoExpressions(): { where: string; expr: string }[] {
  const dashboard = JSON.parse(
    readFileSync(join(ROOT, 'docker/grafana/sousvide.json'), 'utf8'),
  ) as {
    panels: { title: string; targets?: { expr: string }[] }[];
  };
  const found = dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ where: `dashboard "${p.title}"`, expr: t.expr })),
  );
  const rules = readFileSync(join(ROOT, 'docker/prometheus/sousvide-rules.yml'), 'utf8');
  const exprs = [...rules.matchAll(/^\s*expr:\s*(.+)$/gm)].map((m) => m[1]);
  // One line per expression: a folded or multi-line one would be read in part, so refuse it.
  expect(exprs.length).toBe([...rules.matchAll(/^\s*- (alert|record):/gm)].length);
  expect(exprs.filter((e) => /^[>|]/.test(e))).toEqual([]);
  return [...found, ...exprs.map((expr) => ({ where: 'sousvide-rules.yml', expr }))];
}

/** Every `host:port` Prometheus scrapes (static targets and DNS names with their port). */
function scrapeTargets(): { host: string; port: number }[] {
  const config = readFileSync(join(ROOT, 'docker/prometheus/prometheus.yml'), 'utf8');
  const fixed = [...config.matchAll(/targets: \[([^\]]+)\]/g)].flatMap((m) => m[1].split(','));
  const dns = [...config.matchAll(/names: \[([\w-]+)\]\s+type: A\s+port: (\d+)/g)].map(
    (m) => `${m[1]}:${m[2]}`,
  );
  return [...fixed, ...dns].map((t) => {
    const [host, port] = t.trim().split(':');
    return { host, port: Number(port) };
  });
}

const scrape = (port: number): Promise<string> =>
  fetch(`http://127.0.0.1:${port}/metrics`).then((r) => {
    if (!r.ok) {
      throw new Error(`/metrics on ${port}: ${r.status}`);
    }
    return r.text();
  });

describe('dashboard and rules name only metrics the services export', () => {
  let redis: RedisService;
  let mqtt: MqttService;
  let vm: VictoriaMetricsService;
  const children: ChildProcess[] = [];
  let ports: { gateway: number; agent: number; api: number };

  beforeAll(async () => {
    [redis, mqtt, vm] = await Promise.all([startRedis(), startMosquitto(), startVictoriaMetrics()]);
    const [gateway, agent, api] = await freePorts(3);
    ports = { gateway, agent, api };
    // An agent as compose runs it: long-lived, with an ops port, taking partitions from Redis.
    children.push(startAgent(redis.url, 'agent-metrics', { OPS_PORT: String(agent) }));
    // The three boot side by side: none needs another to start.
    const booted = await Promise.allSettled([
      startGateway({
        MQTT_URL: mqtt.url,
        REDIS_URL: redis.url,
        INFLUX_URL: vm.url,
        GATEWAY_ID: 'gw-metrics',
        OPS_PORT: String(gateway),
        AUDIT_LOG_PATH: join(artifactsDir(), 'audit.jsonl'),
      }),
      startServe(api, {
        REDIS_URL: redis.url,
        MQTT_URL: mqtt.url,
        ARTIFACTS_DIR: artifactsDir(),
        DRAIN_WINDOW_SEC: '60',
      }),
    ]);
    // Whatever did start is stopped in afterAll, even when the other failed.
    children.push(...booted.flatMap((b) => (b.status === 'fulfilled' ? [b.value] : [])));
    const failed = booted.find((b) => b.status === 'rejected');
    if (failed) {
      throw failed.reason as Error;
    }
    await waitFor(
      'the agent to answer /metrics',
      () =>
        scrape(agent).then(
          () => true,
          () => false,
        ),
      {
        timeoutMs: 120_000,
      },
    );
  }, 300_000);
  afterAll(async () => {
    children.forEach((c) => c.kill('SIGTERM'));
    await Promise.allSettled([redis?.stop(), mqtt?.stop(), vm?.stop()]);
  });

  it('scrapes compose services only, each app on the ops port its image listens on', () => {
    const file = readFileSync(join(ROOT, 'docker/compose.yml'), 'utf8');
    const compose = file.slice(file.indexOf('\nservices:\n'), file.indexOf('\nvolumes:\n'));
    const services = new Set([...compose.matchAll(/^ {2}([\w-]+):/gm)].map((m) => m[1]));
    // The images' ops ports, as tools/images/build-app-images.sh builds them.
    const images = readFileSync(join(ROOT, 'tools/images/build-app-images.sh'), 'utf8');
    const opsPorts = new Map(
      [...(/^APPS="([^"]+)"/m.exec(images)?.[1] ?? '').matchAll(/([\w-]+):(\d+)/g)].map(
        (m) => [m[1], Number(m[2])] as const,
      ),
    );
    const wrong = scrapeTargets().filter(({ host, port }) => {
      const app = [...opsPorts.keys()].find((a) => host === a || host.startsWith(`${a}-`));
      return host !== 'localhost' && (!services.has(host) || (app && opsPorts.get(app) !== port));
    });
    expect(scrapeTargets().length).toBeGreaterThanOrEqual(5);
    expect(wrong).toEqual([]);
  });

  it('finds every metric of every query in the real /metrics of a gateway, an agent and the coordinator after a run', async () => {
    const runId = `metrics-${Date.now()}`;
    const res = await fetch(`http://127.0.0.1:${ports.api}/runs`, {
      method: 'POST',
      headers: { ...API_AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({
        runId,
        totalConnections: 20,
        partitions: 1,
        connectParallelism: 20,
        mps: 2,
        durationSec: 4,
        qos: 1,
        maxAttempts: 1,
      }),
    });
    expect(res.status).toBe(202);
    // A running run's series exist only while it runs: scrape the coordinator meanwhile too.
    const texts: string[] = [];
    await waitFor(
      'the run to end',
      async () => {
        texts.push(await scrape(ports.api), await scrape(ports.agent));
        const view = (await (
          await fetch(`http://127.0.0.1:${ports.api}/runs/${runId}`, { headers: API_AUTH })
        ).json()) as {
          status: string;
        };
        return view.status !== 'running';
      },
      { timeoutMs: 240_000, intervalMs: 500 },
    );
    texts.push(await scrape(ports.api), await scrape(ports.agent), await scrape(ports.gateway));
    const exported = new Set([...SYNTHETIC, ...texts.flatMap((t) => [...exportedSampleNames(t)])]);
    const missing = repoExpressions().flatMap(({ where, expr }) =>
      promqlMetricNames(expr)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    // Label policy: never a device id; a run id only on the running runs and the last one's info.
    expect(texts.join('\n')).not.toMatch(/="sv-\d/);
    const finished = await scrape(ports.api);
    expect(finished.split('\n').filter((l) => l.includes(`run_id="${runId}"`))).toEqual([
      `loadtest_last_run_info{run_id="${runId}"} 1`,
    ]);
    expect(texts.some((t) => t.includes(`loadtest_run_acked{run_id="${runId}"}`))).toBe(true);
  }, 480_000);
});
