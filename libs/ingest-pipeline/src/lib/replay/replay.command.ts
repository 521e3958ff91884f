import { Injectable } from '@nestjs/common';
import type { DlqKind } from '@sousvide/loadtest-contracts';
import { TokenBucket } from '@sousvide/shared-util';
import { DlqSelector } from './dlq-selector';
import { EntryExporter } from './entry-exporter';
import { ReplayBatch } from './replay-batch';
import { REPLAY_BATCH_SIZE } from './replay.constants';
import { ReplayReport } from './replay-report';

/** What one replay selects and how it runs. */
export interface ReplayOptions {
  kind?: DlqKind;
  runId?: string;
  limit?: number;
  /** Entries per second; undefined means as fast as storage allows. */
  rate?: number;
  dryRun: boolean;
  exportFile?: string;
}

/** Lets main ask a running replay to stop after its in-flight batch (Ctrl-C). */
export interface StopSignal {
  readonly stopped: boolean;
}

/**
 * The `replay` command: snapshot the matching DLQ ids, then re-drive them in small batches at the
 * requested rate, printing progress to stderr once a second. It checks `stop` only between
 * batches, so an interrupted run finishes the batch in flight and its report stays exact.
 */
@Injectable()
export class ReplayCommand {
  constructor(
    private readonly selector: DlqSelector,
    private readonly batch: ReplayBatch,
  ) {}

  async run(options: ReplayOptions, stop: StopSignal): Promise<ReplayReport> {
    const report = new ReplayReport(options.dryRun);
    const filter = {
      ...(options.kind ? { kind: options.kind } : {}),
      ...(options.runId ? { runId: options.runId } : {}),
    };
    const ids = await this.selector.select(filter, options.limit);
    report.selected = ids.length;
    const bucket = options.rate === undefined ? undefined : new TokenBucket(options.rate);
    const batchSize = Math.min(REPLAY_BATCH_SIZE, bucket?.maxTake ?? REPLAY_BATCH_SIZE);
    const exporter = options.exportFile
      ? await EntryExporter.create(options.exportFile)
      : undefined;
    const progress = setInterval(() => process.stderr.write(`${report.progressLine()}\n`), 1000);
    progress.unref();
    try {
      for (let i = 0; i < ids.length; i += batchSize) {
        const next = ids.slice(i, i + batchSize);
        await bucket?.take(next.length);
        // Checked after the rate wait too, so Ctrl-C during a slow --rate stops promptly.
        if (stop.stopped) {
          break;
        }
        await this.batch.run(next, report, exporter);
      }
      report.interrupted = stop.stopped;
    } finally {
      clearInterval(progress);
      await exporter?.close();
    }
    report.remaining = await this.selector.count(filter);
    process.stderr.write(`${report.progressLine()}\n`);
    return report;
  }
}
