import {
  classifyError,
  emptyFailureCounts,
  isPermanentRefusal,
  ReconnectStats,
} from '@sousvide/loadtest-contracts';
import { BackoffPolicy, fullJitterBackoffMs, LatencyHistogram } from '@sousvide/shared-util';

interface Pending {
  /** When the connection was lost (epoch ms). */
  since: number;
  /** Attempts made so far; the next delay's backoff exponent. */
  attempt: number;
  timer: NodeJS.Timeout | undefined;
  /** Lost again between an attempt's CONNACK and its continuation. */
  lostAgain: boolean;
}

/**
 * Brings lost device connections back: one timer per device that is currently offline (none for
 * the rest), delays from {@link fullJitterBackoffMs}, so devices that lost the same broker at the
 * same instant come back spread over a window instead of as one herd. Records how long each
 * device was away and when it came back, per second. Bounded: nothing is scheduled after
 * `stop()`, which the partition calls when it finishes, nor after a refused CONNACK (a wrong
 * secret or a revoked device does not get better by retrying).
 */
export class DeviceReconnector {
  private readonly pending = new Map<number, Pending>();
  private readonly delay = new LatencyHistogram();
  private readonly stats = {
    lost: 0,
    attempts: 0,
    succeeded: 0,
    failedAttempts: emptyFailureCounts(),
    firstAt: 0,
    lastAt: 0,
    perSecond: {} as Record<string, number>,
  };
  private stopped = false;

  /**
   * @param connect opens device k's connection again (its client's `connect()`).
   * @param onBack called once device k has its connection back.
   */
  constructor(
    private readonly policy: BackoffPolicy,
    private readonly connect: (k: number) => Promise<void>,
    private readonly onBack: (k: number) => void,
    private readonly random: () => number = Math.random,
  ) {}

  /** Devices without a connection right now, waiting for or in a reconnect. */
  get offline(): number {
    return this.pending.size;
  }

  get reconnected(): number {
    return this.stats.succeeded;
  }

  /** Device k lost its established connection: start bringing it back. */
  lost(k: number, now = Date.now()): void {
    if (this.stopped) {
      return;
    }
    const current = this.pending.get(k);
    if (current) {
      current.lostAgain = true;
      return;
    }
    this.stats.lost += 1;
    const p: Pending = { since: now, attempt: 0, timer: undefined, lostAgain: false };
    this.pending.set(k, p);
    this.schedule(k, p);
  }

  /** Cancels every scheduled reconnect; an attempt in flight is not counted as back. */
  stop(): void {
    this.stopped = true;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
    }
  }

  toJSON(): ReconnectStats {
    return {
      ...this.stats,
      failedAttempts: { ...this.stats.failedAttempts },
      perSecond: { ...this.stats.perSecond },
      stillDisconnected: this.pending.size,
      delay: this.delay.toJSON(),
    };
  }

  private schedule(k: number, p: Pending): void {
    const wait = fullJitterBackoffMs(p.attempt, this.policy, this.random);
    p.timer = setTimeout(() => void this.attempt(k, p), wait);
  }

  private async attempt(k: number, p: Pending): Promise<void> {
    p.timer = undefined;
    if (this.stopped) {
      return;
    }
    p.attempt += 1;
    this.stats.attempts += 1;
    p.lostAgain = false;
    try {
      await this.connect(k);
      if (p.lostAgain) {
        throw Object.assign(new Error('lost right after CONNACK'), { code: 'ECONNRESET' });
      }
    } catch (err) {
      const cls = classifyError(err);
      this.stats.failedAttempts[cls] += 1;
      // A broker that refuses the device's login refuses it again: it stays offline, counted.
      // A temporary refusal (CONNACK 3, server unavailable) is retried like a lost connection.
      if (!this.stopped && !isPermanentRefusal(err)) {
        this.schedule(k, p);
      }
      return;
    }
    if (this.stopped) {
      return;
    }
    const now = Date.now();
    this.pending.delete(k);
    this.stats.succeeded += 1;
    this.stats.firstAt = this.stats.firstAt === 0 ? now : this.stats.firstAt;
    this.stats.lastAt = now;
    const second = String(Math.floor(now / 1000));
    this.stats.perSecond[second] = (this.stats.perSecond[second] ?? 0) + 1;
    this.delay.recordMs(now - p.since);
    this.onBack(k);
  }
}
