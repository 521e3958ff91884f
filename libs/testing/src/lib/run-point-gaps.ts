import { execFileSync } from 'node:child_process';
import { RUN_KEY_FIELD, runKey } from '@sousvide/telemetry-schema';
import { exportSeries, type ExportedSeries } from './store-export';
import type { VictoriaMetricsService } from './victoria-metrics';

/**
 * Where a run's points are missing from the store, to read a shortfall against: which sequence
 * numbers which devices lack, and whether another run's point sits at the timestamp a missing one
 * would have had (the store keeps one point per device series and millisecond, so a concurrent run
 * of the same devices at the same instant overwrites it; which write's value survives is not fixed,
 * and not even the same for every field of one point).
 */
export interface RunPointGaps {
  /** Devices with at least one point of the run (devices with none cannot be placed). */
  devices: number;
  /** The run's lowest and highest sequence number in the store. */
  seq: { min: number; max: number } | null;
  /** Per sequence number between those: how many of `devices` lack it. */
  missingBySeq: Record<number, number>;
  /** Missing points whose expected timestamp holds another run's point in the device's series. */
  overwritten: number;
}

/**
 * Gaps of the run keyed `key` in exported `telemetry_runKey` and `telemetry_seq` series. A
 * missing point's timestamp is expected at its device's nearest point plus the run's median
 * milliseconds per sequence step (the open loop's period).
 */
export function runPointGaps(series: readonly ExportedSeries[], key: number): RunPointGaps {
  const byDevice = new Map<string, { keys?: ExportedSeries; seqs?: ExportedSeries }>();
  for (const s of series) {
    const device = s.metric['deviceId'] ?? '';
    const entry = byDevice.get(device) ?? {};
    if (s.metric['__name__'] === `telemetry_${RUN_KEY_FIELD}`) {
      entry.keys = s;
    } else if (s.metric['__name__'] === 'telemetry_seq') {
      entry.seqs = s;
    }
    byDevice.set(device, entry);
  }
  const devices: { points: Map<number, number>; keyAt: Map<number, number> }[] = [];
  const steps: number[] = [];
  for (const { keys, seqs } of byDevice.values()) {
    if (!keys || !seqs) {
      continue;
    }
    const seqAt = new Map(seqs.timestamps.map((t, i) => [t, seqs.values[i] ?? NaN]));
    const keyAt = new Map(keys.timestamps.map((t, i) => [t, keys.values[i] ?? NaN]));
    const points = new Map<number, number>();
    keys.timestamps.forEach((t, i) => {
      const seq = seqAt.get(t);
      if (keys.values[i] === key && seq !== undefined) {
        points.set(seq, t);
      }
    });
    if (points.size === 0) {
      continue;
    }
    const sorted = [...points.entries()].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i += 1) {
      const [s0, t0] = sorted[i - 1] as [number, number];
      const [s1, t1] = sorted[i] as [number, number];
      steps.push((t1 - t0) / (s1 - s0));
    }
    devices.push({ points, keyAt });
  }
  const all = devices.flatMap((d) => [...d.points.keys()]);
  if (all.length === 0) {
    return { devices: 0, seq: null, missingBySeq: {}, overwritten: 0 };
  }
  const min = Math.min(...all);
  const max = Math.max(...all);
  const period = steps.sort((a, b) => a - b)[Math.floor(steps.length / 2)] ?? 0;
  const missingBySeq: Record<number, number> = {};
  let overwritten = 0;
  for (const { points, keyAt } of devices) {
    const present = [...points.entries()];
    for (let seq = min; seq <= max; seq += 1) {
      if (points.has(seq)) {
        continue;
      }
      missingBySeq[seq] = (missingBySeq[seq] ?? 0) + 1;
      const [s0, t0] = present.reduce((a, b) =>
        Math.abs(b[0] - seq) < Math.abs(a[0] - seq) ? b : a,
      );
      const other = keyAt.get(Math.round(t0 + (seq - s0) * period));
      overwritten += other !== undefined && other !== key ? 1 : 0;
    }
  }
  return { devices: devices.length, seq: { min, max }, missingBySeq, overwritten };
}

/**
 * What a test prints when the store holds fewer of a run's points than the accounting says were
 * stored: the run's gaps (above), the store container's state (a restart would lose what it had
 * not flushed) and its count of Influx lines it skipped as invalid (VictoriaMetrics answers 204 to
 * a write whose bad lines it dropped, so a body mangled on the way would be counted as stored).
 */
export async function explainStoreShortfall(
  vm: VictoriaMetricsService,
  runId: string,
): Promise<{ gaps: RunPointGaps; store: string }> {
  const series = await exportSeries(vm, `{__name__=~"telemetry_(${RUN_KEY_FIELD}|seq)"}`);
  let store: string;
  try {
    store = execFileSync(
      'docker',
      [
        'inspect',
        '-f',
        'started {{.State.StartedAt}} restarts {{.RestartCount}} oom {{.State.OOMKilled}}',
        vm.container.getId(),
      ],
      { encoding: 'utf8' },
    ).trim();
  } catch (error) {
    store = `docker inspect failed: ${String(error)}`;
  }
  const metrics = await (await fetch(`${vm.url}/metrics`)).text();
  const influxRows = (name: string): string =>
    new RegExp(`^${name}\\{type="influx"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? '?';
  store += `; influx samples inserted ${influxRows('vm_rows_inserted_total')}, invalid lines skipped ${influxRows('vm_rows_invalid_total')}`;
  return { gaps: runPointGaps(series, runKey(runId)), store };
}
