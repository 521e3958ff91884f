import { randomUUID } from 'node:crypto';
import { RUN_KEY_FIELD, runKey } from '@sousvide/telemetry-schema';
import { explainStoreShortfall, type RunPointGaps } from './run-point-gaps';
import { exportSeries } from './store-export';
import type { VictoriaMetricsService } from './victoria-metrics';
import { pollUntil } from './wait-for';

export interface StoredPoints {
  /** Points of the run: samples whose `runKey` field is the run's, over every device. */
  points: number;
  /** Device series holding at least one point of the run (one per deviceId). */
  series: number;
  /**
   * Only from {@link waitForStoredPoints} when fewer points than expected came: which are missing
   * and the store's state, so the failing expectation on this object shows them.
   */
  shortfall?: { gaps: RunPointGaps; store: string };
}

/**
 * What the store holds for a run, read back through VictoriaMetrics' export API (every sample,
 * so a point written twice with different timestamps would count twice). The run is a field,
 * not a tag (ADR 0015): its points are the samples of `telemetry_runKey` equal to runKey(runId).
 */
export async function readStoredPoints(
  vm: VictoriaMetricsService,
  runId: string,
): Promise<StoredPoints> {
  const key = runKey(runId);
  let series = 0;
  let points = 0;
  for (const exported of await exportSeries(vm, `telemetry_${RUN_KEY_FIELD}`)) {
    const n = exported.values.filter((v) => v === key).length;
    points += n;
    series += n > 0 ? 1 : 0;
  }
  return { series, points };
}

/**
 * Polls (up to `timeoutMs`, default 30 s) until the run has `expected` points: VictoriaMetrics
 * makes fresh rows searchable a moment after the write. Returns what it last read, with the
 * `shortfall` explained when that is fewer than expected.
 */
export async function waitForStoredPoints(
  vm: VictoriaMetricsService,
  runId: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<StoredPoints> {
  const seen = await pollUntil(
    () => readStoredPoints(vm, runId),
    (read) => read.points >= expected,
    { intervalMs: 250, timeoutMs },
  );
  return seen.points >= expected
    ? seen
    : { ...seen, shortfall: await explainStoreShortfall(vm, runId) };
}

/**
 * Resolves once the store shows a point written now, so every write acknowledged before this call
 * shows too: the barrier before asserting that something was NOT stored (a bypass run, a second
 * replay), instead of sleeping "long enough". The point belongs to a run of its own.
 */
export async function storeCaughtUp(vm: VictoriaMetricsService): Promise<void> {
  const runId = `store-barrier-${randomUUID()}`;
  const line = `telemetry,deviceId=store-barrier tempC=0,${RUN_KEY_FIELD}=${runKey(runId)}i ${Date.now() - 60_000}`;
  const res = await fetch(`${vm.url}/api/v2/write?precision=ms`, { method: 'POST', body: line });
  if (!res.ok) {
    throw new Error(`store barrier write answered ${res.status}: ${await res.text()}`);
  }
  const seen = await waitForStoredPoints(vm, runId, 1);
  if (seen.points !== 1) {
    throw new Error(`store barrier point not readable within 30 s (${JSON.stringify(seen)})`);
  }
}
