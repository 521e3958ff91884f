import { Inject, Injectable, Logger } from '@nestjs/common';
import { DurableSpool } from '@sousvide/ingest-storage';
import { IngestBatcher } from './batching/ingest-batcher';
import { RunLedger } from './counters/run-ledger';
import { SpoolingDlq } from './dlq/spooling-dlq';
import { Failsafe } from './failsafe/failsafe';
import type { GatewayBatcher } from './ingest-pipeline.providers';
import { GatewayLiveness } from './liveness/gateway-liveness';
import { IngestMetrics } from './ops/ingest-metrics';
import { DeliveryParser } from './parse/delivery-parser';
import { IngestStatsLog } from './ops/ingest-stats-log';
import type { RawMessage } from './pipeline/raw-message';

/** How often counter deltas that no batch carried (late stage timings, an outage) are sent. */
const LEDGER_FLUSH_MS = 1000;

/**
 * The ingest pipeline as an app drives it: deliveries in (`take`), each acknowledged to the
 * broker once durable, and the order of start and stop. An app calls {@link drain} once nothing
 * new arrives (after its consumers stopped reading) and {@link close} after its consumers
 * closed; the stores close after that, in their modules' shutdown hooks.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger('IngestPipeline');
  private flushTimer?: NodeJS.Timeout;
  private intakeClosed = false;

  constructor(
    @Inject(IngestBatcher) private readonly batcher: GatewayBatcher,
    private readonly failsafe: Failsafe,
    private readonly parser: DeliveryParser,
    private readonly dlq: SpoolingDlq,
    private readonly spool: DurableSpool,
    private readonly ledger: RunLedger,
    private readonly liveness: GatewayLiveness,
    private readonly metrics: IngestMetrics,
    private readonly stats: IngestStatsLog,
  ) {}

  /**
   * One socket read's deliveries: each parsed and judged by the fail-safe at once (ADR 0016:
   * never behind storage), then handed to the batcher; never waits for storage. Each is acked
   * once durable (ADR 0015).
   */
  take(deliveries: readonly RawMessage[]): void {
    if (this.intakeClosed) {
      deliveries = this.releaseHeld(deliveries);
    }
    for (const message of deliveries) {
      const parsed = this.parser.parse(message);
      if (parsed.ok) {
        this.failsafe.check(parsed.msg, message.receivedAt);
      }
    }
    this.batcher.push(deliveries);
  }

  /**
   * After the drain began (the consumers closing): a QoS 1 delivery is released at once, since
   * no connection is left to acknowledge it once it is stored, and its kept session delivers it
   * again (to this GATEWAY_ID or an adopting gateway); a QoS 0 one has no other copy, so it is
   * kept for processing, which the app's second {@link drain} finishes.
   */
  private releaseHeld(deliveries: readonly RawMessage[]): RawMessage[] {
    const kept: RawMessage[] = [];
    let released = 0;
    for (const m of deliveries) {
      if (m.ack) {
        m.ack.release();
        released += 1;
      } else {
        kept.push(m);
      }
    }
    this.metrics.released.inc(released);
    return kept;
  }

  /** Messages waiting for a batch, and every message not yet acknowledged to the broker. */
  get held(): { buffered: number; unacked: number } {
    return {
      buffered: this.batcher.buffered,
      unacked: this.batcher.buffered + this.batcher.inProcess,
    };
  }

  /**
   * Claims this GATEWAY_ID in Redis (before any message: the claims of a previous process under
   * it must be stale by then), then starts the spool's drain, the gauges and the stats line.
   */
  async start(): Promise<void> {
    this.liveness.reportHeld(() => ({
      unacked: this.held.unacked,
      spoolEntries: this.spool.stats().entries,
    }));
    await this.liveness.start();
    this.dlq.start();
    this.metrics.track(
      () => this.held,
      () => this.spool.stats(),
    );
    this.stats.start(() => this.held);
    this.flushTimer = setInterval(() => void this.ledger.flush(), LEDGER_FLUSH_MS);
    this.flushTimer.unref();
  }

  /**
   * Processes what is held until `deadline` (epoch ms) and sends the fail-safe commands it
   * raised. Resolves false when the deadline left messages unfinished: those were released
   * (never acknowledged), so the broker delivers them again. From its start, QoS 1 deliveries
   * (what the consumers read while closing) are released at once, not processed; QoS 0 ones
   * are, and a second drain after the consumers closed finishes them.
   */
  async drain(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.intakeClosed = true;
    this.stats.stop();
    const finished = await this.batcher.drain(deadline);
    await this.failsafe.flush();
    return finished;
  }

  /**
   * Stops the spool drain, sends the last counter deltas (kept if Redis is away), closes the
   * fail-safe's audit log (which never rejects, so the spool is closed whatever happened) and
   * gives up this GATEWAY_ID, so what this process claimed is free for the broker's redelivery.
   */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    await this.dlq.stop();
    await this.ledger.flush();
    const { pendingRuns: runs, pendingHeartbeats: heartbeats } = this.ledger;
    if (runs + heartbeats > 0) {
      // Heartbeats of settles that failed after sending were acknowledged with their batch: the
      // devices' last-seen times now wait for their next message.
      this.logger.error(
        { runs, heartbeats },
        'run counters and device heartbeats lost: Redis unreachable at shutdown',
      );
    }
    await this.failsafe.close();
    await this.liveness.stop();
    await this.spool.close();
  }
}
