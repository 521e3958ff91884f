import {
  classifyError,
  emptyFailureCounts,
  FailureClass,
  FailureCounts,
} from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';

/**
 * Every publish of a partition from send to outcome: in flight until acked, failed by class, or
 * swept as publish_timeout. `settled` hears each message's end once (the closed loop's window).
 */
export class PublishLedger {
  readonly ackLatency = new LatencyHistogram();
  readonly failures: FailureCounts = emptyFailureCounts();
  sent = 0;
  published = 0;
  failed = 0;
  /** Slot -> send time; Map order is send order, which the sweep relies on. */
  private readonly inflight = new Map<number, number>();

  constructor(
    private readonly timeoutMs: number,
    private readonly settled: (slot: number, acked: boolean) => void,
  ) {}

  get inFlight(): number {
    return this.inflight.size;
  }

  send(slot: number, now: number): void {
    this.inflight.set(slot, now);
    this.sent += 1;
  }

  /** One function for every message's outcome (no closure per publish); late ones were swept. */
  readonly onPublished = (slot: number, err?: Error): void => {
    const sentAt = this.inflight.get(slot);
    if (sentAt === undefined) {
      return;
    }
    this.inflight.delete(slot);
    this.settled(slot, !err);
    if (err) {
      this.fail(classifyError(err));
      return;
    }
    this.published += 1;
    this.ackLatency.recordMs(Date.now() - sentAt);
  };

  fail(cls: FailureClass): void {
    this.failed += 1;
    this.failures[cls] += 1;
  }

  /** Fails in-flight messages older than the publish timeout. */
  sweep(now = Date.now()): void {
    const cutoff = now - this.timeoutMs;
    for (const [slot, sentAt] of this.inflight) {
      if (sentAt > cutoff) {
        break;
      }
      this.inflight.delete(slot);
      this.settled(slot, false);
      this.fail('publish_timeout');
    }
  }

  /** Waits for the acks still due (up to the publish timeout), then fails what is left. */
  async drain(isAborted: () => boolean): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while (this.inflight.size > 0 && Date.now() < deadline && !isAborted()) {
      await new Promise((r) => setTimeout(r, 20));
      this.sweep();
    }
    this.sweep(Number.POSITIVE_INFINITY);
  }
}
