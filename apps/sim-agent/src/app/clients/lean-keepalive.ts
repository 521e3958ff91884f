// Floor for re-arming the keepalive timer, so one that fires a millisecond early cannot spin.
const MIN_TIMER_MS = 5;

/** What a connection's keepalive does when it fires. */
export interface KeepaliveActions {
  /** Nothing was written for a whole keepalive period: send PINGREQ. */
  ping(): void;
  /** Nothing was read for 1.5 periods (MQTT 3.1.1, 3.1.2.10): the connection is dead. */
  dead(silentMs: number): void;
}

/**
 * MQTT keepalive for one connection with one timer: it fires when the next ping or the dead line
 * is due, whichever comes first, rather than every period. The connection notes its traffic with
 * `wrote()` and `read()`; 0 seconds turns it off.
 */
export class LeanKeepalive {
  private timer: NodeJS.Timeout | undefined;
  private lastWriteAt = 0;
  private lastReadAt = 0;

  constructor(
    private readonly keepaliveSec: number,
    private readonly actions: KeepaliveActions,
  ) {}

  wrote(now = Date.now()): void {
    this.lastWriteAt = now;
  }

  read(now = Date.now()): void {
    this.lastReadAt = now;
  }

  /** Starts watching a connection just accepted (a CONNACK counts as traffic both ways). */
  start(): void {
    this.stop();
    this.arm(this.keepaliveSec * 1000);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(delayMs: number): void {
    if (this.keepaliveSec <= 0) {
      return;
    }
    // Passed as a timer argument instead of a closure: no function per connection and arming.
    this.timer = setTimeout(LeanKeepalive.tick, Math.max(delayMs, MIN_TIMER_MS), this).unref();
  }

  private static tick(k: LeanKeepalive): void {
    const keepaliveMs = k.keepaliveSec * 1000;
    const deadMs = keepaliveMs * 1.5;
    const now = Date.now();
    const silentMs = now - k.lastReadAt;
    if (silentMs >= deadMs) {
      k.timer = undefined;
      k.actions.dead(silentMs);
      return;
    }
    if (now - k.lastWriteAt >= keepaliveMs) {
      k.lastWriteAt = now;
      k.actions.ping();
    }
    k.arm(Math.min(k.lastWriteAt + keepaliveMs, k.lastReadAt + deadMs) - now);
  }
}
