import { Injectable, Logger } from '@nestjs/common';
import { DurableSpool } from '@sousvide/ingest-storage';
import { IngestBatcher } from './batching/ingest-batcher';
import { PendingRunCounters } from './counters/pending-run-counters';
import { SpoolingDlq } from './dlq/spooling-dlq';
import { Failsafe } from './failsafe/failsafe';
import { IngestMetrics } from './ops/ingest-metrics';
import { IngestStatsLog } from './ops/ingest-stats-log';
import type { RawMessage } from './pipeline/raw-message';

/**
 * The ingest pipeline as an app drives it: messages in (`take`), and the order of start and
 * stop. An app calls {@link drain} once nothing new arrives (after its consumers stopped taking)
 * and {@link close} after its consumers closed; the stores close after that, in their modules'
 * shutdown hooks.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger('IngestPipeline');

  constructor(
    private readonly batcher: IngestBatcher,
    private readonly failsafe: Failsafe,
    private readonly dlq: SpoolingDlq,
    private readonly spool: DurableSpool,
    private readonly counters: PendingRunCounters,
    private readonly metrics: IngestMetrics,
    private readonly stats: IngestStatsLog,
  ) {}

  /** Hands a delivered message to the batcher; never waits for storage. */
  take(message: RawMessage): void {
    this.batcher.push(message);
  }

  get buffered(): number {
    return this.batcher.buffered;
  }

  /** Starts the spool's drain into the DLQ, the scrape-time gauges and the stats line. */
  start(): void {
    this.dlq.start();
    this.metrics.track(
      () => this.batcher.buffered,
      () => this.spool.stats(),
    );
    this.stats.start(() => this.batcher.buffered);
  }

  /** Processes or dead-letters everything held and sends the fail-safe commands it raised. */
  async drain(): Promise<void> {
    this.stats.stop();
    await this.batcher.drain();
    await this.failsafe.flush();
  }

  /** Stops the spool drain and sends the last counter deltas (kept if Redis is away). */
  async close(): Promise<void> {
    await this.dlq.stop();
    await this.counters.flush();
    if (this.counters.pendingRuns > 0) {
      this.logger.error(
        { runs: this.counters.pendingRuns },
        'run counters lost: Redis unreachable at shutdown',
      );
    }
    await this.spool.close();
  }
}
