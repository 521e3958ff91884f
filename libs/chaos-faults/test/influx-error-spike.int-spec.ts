import { InfluxWriter } from '@sousvide/ingest-storage';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import {
  readStoredPoints,
  startVictoriaMetrics,
  waitForStoredPoints,
  type VictoriaMetricsService,
} from '@sousvide/testing';
import { withFaultLifted } from '../src/lib/guard/fault-guard';
import { ProxyFault } from '../src/lib/proxy/proxy-fault';
import { TcpFaultProxy } from '../src/lib/proxy/tcp-fault-proxy';

const BATCHES = 10;
const PER_BATCH = 50;

/**
 * BATCHES x PER_BATCH distinct points of one run (distinct device + ts, so none overwrites). The
 * devices are the run's own: both tests write into one store seconds apart, and a point with the
 * same device and timestamp as the other test's is the same point to the store (Influx keeps the
 * last write, VictoriaMetrics one of the two), which once left this file's second test 25 of its
 * 50 points.
 */
function batches(runId: string): TelemetryV1[][] {
  const baseTs = Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000;
  return Array.from({ length: BATCHES }, (_, b) =>
    Array.from({ length: PER_BATCH }, (_, i) => ({
      v: 1 as const,
      deviceId: `sv-${runId}-${i}`,
      seq: b,
      ts: baseTs + b * 1000,
      runId,
      tempC: 55 + i / 100,
      targetC: 57,
      heaterOn: true,
      pumpOn: true,
      waterLevel: 0.8,
      state: 'cooking',
    })),
  );
}

describe('InfluxWriter through the fault proxy in front of VictoriaMetrics', () => {
  let vm: VictoriaMetricsService;
  let proxy: TcpFaultProxy;
  let writer: InfluxWriter;

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    proxy = new TcpFaultProxy({ upstreamHost: vm.host, upstreamPort: vm.port, protocol: 'http' });
    await proxy.start();
    writer = new InfluxWriter({
      url: proxy.url,
      token: 'unused',
      org: 'sousvide',
      bucket: 'telemetry',
      retryBudgetMs: 30_000,
    });
  });
  afterAll(async () => {
    await writer?.close();
    await proxy?.close();
    await vm?.stop();
  });

  it('retries through a 50% 503 spike: every 503 is retried and all points land', async () => {
    const runId = `chaos-spike-${Date.now()}`;
    const spike = new ProxyFault(proxy, { kind: 'http-error', rate: 0.5, retryAfterSec: 1 });
    const outcomes = await withFaultLifted(spike, () =>
      Promise.all(batches(runId).map((batch) => writer.write(batch))),
    );
    expect(proxy.mode).toEqual({ kind: 'pass-through' });

    const stats = proxy.stats();
    const retries = outcomes.reduce((n, o) => n + o.retries, 0);
    const attempts = outcomes.reduce((n, o) => n + o.attempts, 0);
    expect(outcomes.flatMap((o) => o.failed)).toEqual([]);
    expect(outcomes.reduce((n, o) => n + o.ok.length, 0)).toBe(BATCHES * PER_BATCH);
    // Every injected 503 was retried. Equality would also hold on a quiet machine, but a request
    // lost for another reason under load (a timeout) adds a retry the proxy did not cause.
    expect(stats.requestsFailed).toBeGreaterThanOrEqual(BATCHES / 2);
    expect(retries).toBeGreaterThanOrEqual(stats.requestsFailed);
    expect(stats.requestsFailed + stats.requestsForwarded).toBeLessThanOrEqual(attempts);
    expect(stats.requestsForwarded).toBeGreaterThanOrEqual(BATCHES);

    expect(await waitForStoredPoints(vm, runId, BATCHES * PER_BATCH)).toMatchObject({
      points: BATCHES * PER_BATCH,
    });
  });

  it('after the spike the proxy passes writes through without failures', async () => {
    const runId = `chaos-after-${Date.now()}`;
    const before = proxy.stats();
    const outcome = await writer.write(batches(runId)[0]);
    expect(outcome).toMatchObject({ failed: [], retries: 0, attempts: 1 });
    expect(proxy.stats().requestsFailed).toBe(before.requestsFailed);
    expect(await waitForStoredPoints(vm, runId, PER_BATCH)).toMatchObject({ points: PER_BATCH });
    expect((await readStoredPoints(vm, runId)).points).toBe(PER_BATCH);
  });
});
