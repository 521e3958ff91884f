/**
 * Whether the gateway should talk to Redis right now. A stalled Redis answers nothing until each
 * command's 3 s timeout, so without this every batch of an outage would wait on the claim, the
 * heartbeat, the DLQ add and the counters in turn (over 10 s a batch) and the gateway would stop
 * ingesting. After a failure the circuit opens: Redis steps are skipped or failed at once
 * (heartbeats to the DLQ, DLQ entries to the spool, counters kept) while Influx writes go on,
 * and one call per `probeMs` tries Redis again; the first success closes it.
 */
export class RedisCircuit {
  private openUntil = 0;
  private failures = 0;

  constructor(
    private readonly probeMs = 1000,
    private readonly now: () => number = Date.now,
    private readonly onChange: (open: boolean) => void = () => undefined,
  ) {}

  get open(): boolean {
    return this.failures > 0;
  }

  /** True when a Redis call may be made: closed, or open and due for a probe (one per probeMs). */
  allow(): boolean {
    if (this.failures === 0) {
      return true;
    }
    const t = this.now();
    if (t >= this.openUntil) {
      this.openUntil = t + this.probeMs;
      return true;
    }
    return false;
  }

  succeeded(): void {
    if (this.failures > 0) {
      this.failures = 0;
      this.onChange(false);
    }
  }

  failed(): void {
    this.openUntil = this.now() + this.probeMs;
    this.failures += 1;
    if (this.failures === 1) {
      this.onChange(true);
    }
  }
}
