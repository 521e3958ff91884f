import { randomUUID } from 'node:crypto';
import type { VictoriaMetricsService } from './victoria-metrics';
import { pollUntil } from './wait-for';

export interface StoredPoints {
  /** telemetry_tempC samples over every device series of the run. */
  points: number;
  /** Device series (one per deviceId). */
  series: number;
}

/**
 * What the store holds for a run, read back through VictoriaMetrics' export API (every sample,
 * so a point written twice with different timestamps would count twice).
 */
export async function readStoredPoints(
  vm: VictoriaMetricsService,
  runId: string,
): Promise<StoredPoints> {
  await fetch(`${vm.url}/internal/force_flush`);
  const match = encodeURIComponent(`telemetry_tempC{runId="${runId}"}`);
  const text = await (await fetch(`${vm.url}/api/v1/export?match[]=${match}`)).text();
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return {
    series: lines.length,
    points: lines.reduce((n, l) => n + (JSON.parse(l) as { values: number[] }).values.length, 0),
  };
}

/**
 * Polls (up to 30 s) until the run has `expected` points: VictoriaMetrics makes fresh rows
 * searchable a moment after the write. Returns what it last read.
 */
export function waitForStoredPoints(
  vm: VictoriaMetricsService,
  runId: string,
  expected: number,
): Promise<StoredPoints> {
  return pollUntil(
    () => readStoredPoints(vm, runId),
    (seen) => seen.points >= expected,
    { intervalMs: 250 },
  );
}

/**
 * Resolves once the store shows a point written now, so every write acknowledged before this call
 * shows too: the barrier before asserting that something was NOT stored (a bypass run, a second
 * replay), instead of sleeping "long enough". The point belongs to a run of its own.
 */
export async function storeCaughtUp(vm: VictoriaMetricsService): Promise<void> {
  const runId = `store-barrier-${randomUUID()}`;
  const line = `telemetry,deviceId=store-barrier,runId=${runId} tempC=0 ${Date.now() - 60_000}`;
  const res = await fetch(`${vm.url}/api/v2/write?precision=ms`, { method: 'POST', body: line });
  if (!res.ok) {
    throw new Error(`store barrier write answered ${res.status}: ${await res.text()}`);
  }
  const seen = await waitForStoredPoints(vm, runId, 1);
  if (seen.points !== 1) {
    throw new Error(`store barrier point not readable within 30 s (${JSON.stringify(seen)})`);
  }
}
