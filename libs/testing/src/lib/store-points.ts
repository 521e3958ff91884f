import type { VictoriaMetricsService } from './victoria-metrics';

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

/** Polls up to 15 s: VictoriaMetrics makes fresh rows searchable a moment after the write. */
export async function waitForStoredPoints(
  vm: VictoriaMetricsService,
  runId: string,
  expected: number,
): Promise<StoredPoints> {
  const deadline = Date.now() + 15_000;
  let seen = await readStoredPoints(vm, runId);
  while (seen.points < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    seen = await readStoredPoints(vm, runId);
  }
  return seen;
}
