import type { VictoriaMetricsService } from './victoria-metrics';

/** One line of VictoriaMetrics' export API: a series and its samples. */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/**
 * Every sample of the series matching `selector` (a series selector such as
 * `{__name__=~"telemetry_.*"}`), read through VictoriaMetrics' export API after a flush: rows
 * still in memory are invisible to the export until then. Throws naming the status when the store
 * does not answer 200.
 */
export async function exportSeries(
  vm: VictoriaMetricsService,
  selector: string,
): Promise<ExportedSeries[]> {
  const flush = await fetch(`${vm.url}/internal/force_flush`);
  if (!flush.ok) {
    throw new Error(`store flush answered ${flush.status}: ${await flush.text()}`);
  }
  const res = await fetch(`${vm.url}/api/v1/export?match[]=${encodeURIComponent(selector)}`);
  const body = await res.text();
  if (res.status !== 200) {
    throw new Error(`store export of ${selector} answered ${res.status}: ${body}`);
  }
  return body
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as ExportedSeries);
}
