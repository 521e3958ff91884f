import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { diffSnapshots, type IngestSnapshot } from '@sousvide/run-accounting';
import type { AttemptProgress } from '../run/attempt-supervisor';
import type { BusinessSummaryCollector } from '../run/business-summary.collector';
import { type SeriesRow, seriesRow, type SeriesSample } from './series-row';

export const SERIES_FILE = 'series.jsonl';

/** A running recording; `stop` writes the last second and resolves when the file is complete. */
export interface SeriesRecording {
  /** The agents' latest merged progress (the supervisor's onProgress). */
  progress(p: AttemptProgress): void;
  stop(): Promise<void>;
}

/**
 * Samples an attempt once a second into `series.jsonl` (one JSON row per line, see SeriesRow):
 * the agents' progress as the supervisor last merged it and the gateways' counters for the run
 * in Redis. A Redis read that fails or takes longer than the second leaves the gateway fields
 * out of that row rather than delaying the series; the attempt's verdict never depends on it.
 */
export class SeriesRecorder {
  constructor(private readonly ingest: Pick<BusinessSummaryCollector, 'snapshot'>) {}

  start(
    dir: string,
    runId: string,
    before: IngestSnapshot,
    onRow?: (row: SeriesRow) => void,
  ): SeriesRecording {
    const file = join(dir, SERIES_FILE);
    const t0 = Date.now();
    let latest: AttemptProgress | undefined;
    let prev: SeriesSample | undefined;
    let chain: Promise<void> = writeFile(file, '');
    const sampleOnce = async (): Promise<void> => {
      if (!latest) {
        return;
      }
      const at = Date.now();
      const ingest = await this.read(runId, before);
      const cur: SeriesSample = { at, progress: latest, ...(ingest ? { ingest } : {}) };
      const row = seriesRow(Math.round((at - t0) / 1000), cur, prev);
      // After a missed read the next row's gateway figures cover the seconds since the last one.
      prev = { ...cur, ...(ingest || !prev?.ingest ? {} : { ingest: prev.ingest }) };
      onRow?.(row);
      await appendFile(file, `${JSON.stringify(row)}\n`);
    };
    const tick = (): void => {
      chain = chain.then(sampleOnce).catch(() => undefined);
    };
    const timer = setInterval(tick, 1000);
    return {
      progress: (p) => {
        latest = p;
      },
      stop: async () => {
        clearInterval(timer);
        tick();
        await chain;
      },
    };
  }

  private async read(runId: string, before: IngestSnapshot): Promise<IngestSnapshot | undefined> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const now = await Promise.race([
        this.ingest.snapshot(runId),
        new Promise<undefined>((r) => {
          timer = setTimeout(() => r(undefined), 900);
        }),
      ]);
      return now && now.counts.recv_total > before.counts.recv_total
        ? diffSnapshots(now, before)
        : undefined;
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
