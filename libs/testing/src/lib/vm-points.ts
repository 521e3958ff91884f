import type { VictoriaMetricsService } from './victoria-metrics';

/**
 * Samples of `telemetry_tempC` stored for a run, as VictoriaMetrics exports them: one per stored
 * telemetry message (the InfluxWriter maps measurement + field to `telemetry_<field>`).
 */
export async function readPoints(vm: VictoriaMetricsService, runId: string): Promise<number> {
  await fetch(`${vm.url}/internal/force_flush`);
  const match = encodeURIComponent(`telemetry_tempC{runId="${runId}"}`);
  const text = await (await fetch(`${vm.url}/api/v1/export?match[]=${match}`)).text();
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .reduce((n, l) => n + (JSON.parse(l) as { values: number[] }).values.length, 0);
}

/** Polls up to 15 s: fresh rows become searchable a moment after the write. */
export async function waitForPoints(
  vm: VictoriaMetricsService,
  runId: string,
  expected: number,
): Promise<number> {
  const deadline = Date.now() + 15_000;
  let points = await readPoints(vm, runId);
  while (points < expected && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    points = await readPoints(vm, runId);
  }
  return points;
}
