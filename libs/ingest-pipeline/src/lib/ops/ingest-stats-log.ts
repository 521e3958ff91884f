import { Logger } from '@nestjs/common';
import type { BatchAccounting } from '../pipeline/batch-accounting';

type Window = Record<
  'recv' | 'ok' | 'parseFail' | 'influxFail' | 'redisFail' | 'dlqLost' | 'duplicates',
  number
>;

const WINDOW_SEC = 5;

/** One `ingest stats` line per 5 s with traffic: what lands in an attempt's backend.log. */
export class IngestStatsLog {
  private readonly logger = new Logger('IngestPipeline');
  private window = emptyWindow();
  private timer?: NodeJS.Timeout;

  record(acc: BatchAccounting, dlqLost: number): void {
    const t = acc.totals();
    this.window.recv += t.recv_total;
    this.window.ok += t.pipeline_success_total;
    this.window.parseFail += t.parse_fail_total;
    this.window.influxFail += t.influx_fail_total;
    this.window.redisFail += t.redis_fail_total;
    this.window.dlqLost += dlqLost;
    this.window.duplicates += t.duplicate_total;
  }

  start(buffered: () => number): void {
    this.timer = setInterval(() => {
      if (this.window.recv > 0) {
        this.logger.log(
          { ...this.window, buffered: buffered(), windowSec: WINDOW_SEC },
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
  return { recv: 0, ok: 0, parseFail: 0, influxFail: 0, redisFail: 0, dlqLost: 0, duplicates: 0 };
}
