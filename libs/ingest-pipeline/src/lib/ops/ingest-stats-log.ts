import { Logger } from '@nestjs/common';
import type { BatchAccounting } from '../pipeline/batch-accounting';

type Window = Record<
  'recv' | 'ok' | 'parseFail' | 'influxFail' | 'redisFail' | 'dlq' | 'duplicates' | 'batches',
  number
>;

const WINDOW_SEC = 5;

/**
 * One `ingest stats` line per 5 s with traffic: what lands in an attempt's backend.log. It
 * includes the batches processed and the process's CPU per batch over the window: a batch costs a
 * store write and a Redis script whatever its size, so many small batches cost more than few
 * large ones for the same messages.
 */
export class IngestStatsLog {
  private readonly logger = new Logger('IngestPipeline');
  private window = emptyWindow();
  private timer?: NodeJS.Timeout;

  record(acc: BatchAccounting): void {
    const t = acc.totals();
    this.window.recv += t.recv_total;
    this.window.ok += t.pipeline_success_total;
    this.window.parseFail += t.parse_fail_total;
    this.window.influxFail += t.influx_fail_total;
    this.window.redisFail += t.redis_fail_total;
    this.window.dlq += t.dlq_total + t.spooled_total;
    this.window.duplicates += t.duplicate_total;
    this.window.batches += 1;
  }

  start(held: () => { buffered: number; unacked: number }): void {
    let cpu = process.cpuUsage();
    this.timer = setInterval(() => {
      const used = process.cpuUsage(cpu);
      cpu = process.cpuUsage();
      if (this.window.recv > 0) {
        const w = this.window;
        const cpuMs = (used.user + used.system) / 1000;
        this.logger.log(
          {
            ...w,
            ...held(),
            windowSec: WINDOW_SEC,
            messagesPerBatch: round((w.recv + w.duplicates) / w.batches),
            cpuMsPerBatch: round(cpuMs / w.batches),
          },
          'ingest stats',
        );
        this.window = emptyWindow();
      }
    }, WINDOW_SEC * 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

function emptyWindow(): Window {
  return {
    recv: 0,
    ok: 0,
    parseFail: 0,
    influxFail: 0,
    redisFail: 0,
    dlq: 0,
    duplicates: 0,
    batches: 0,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
