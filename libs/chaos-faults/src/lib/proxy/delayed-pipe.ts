import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** How long a chunk arriving now waits before delivery, or `hold`: deliver nothing for now. */
export type DelayPolicy = () => number | 'hold';

const END = Symbol('end');

interface Entry {
  chunk: Buffer | typeof END;
  due: number;
}

/**
 * One direction of a proxied connection: delivers chunks to `sink` in arrival order, each no
 * earlier than its arrival plus the delay the policy gave at arrival, and nothing while the policy
 * says `hold`. A later chunk never overtakes an earlier one, even when the delay shrinks.
 *
 * Memory is bounded: above `maxBufferedBytes` queued, the source socket is paused (TCP flow control
 * then slows the sender) and resumed below half of it; a sink that reports backpressure is waited
 * for (`drain`).
 */
export class DelayedPipe {
  private readonly queue: Entry[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingDrain = false;
  private pausedSource = false;
  private stopped = false;
  private afterEnd: (() => void) | undefined;

  constructor(
    private readonly source: Socket,
    private readonly sink: Socket,
    private readonly policy: DelayPolicy,
    private readonly onDelivered: (bytes: number) => void,
    private readonly maxBufferedBytes: number,
  ) {}

  push(chunk: Buffer): void {
    if (this.stopped || chunk.length === 0) {
      return;
    }
    this.enqueue(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > this.maxBufferedBytes && !this.pausedSource) {
      this.pausedSource = true;
      this.source.pause();
    }
    this.pump();
  }

  /** Ends the sink once everything queued before is delivered, then calls `then`. */
  end(then?: () => void): void {
    if (this.stopped) {
      then?.();
      return;
    }
    this.afterEnd = then ?? this.afterEnd;
    if (!this.queue.some((e) => e.chunk === END)) {
      this.enqueue(END);
    }
    this.pump();
  }

  /** Re-reads the policy (call after a mode change): releases held or now-due chunks. */
  kick(): void {
    this.pump();
  }

  /** Drops whatever is queued and delivers nothing more (the sink is gone). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    clearTimeout(this.timer);
  }

  private enqueue(chunk: Buffer | typeof END): void {
    const delay = this.policy();
    this.queue.push({ chunk, due: performance.now() + (delay === 'hold' ? 0 : delay) });
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped || this.waitingDrain || this.policy() === 'hold') {
      return;
    }
    // Each turn removes one entry, so this ends with the queue or at the first entry not yet due.
    while (this.queue.length > 0) {
      const wait = this.queue[0].due - performance.now();
      if (wait > 0) {
        // Timers may fire a little early; pump() re-checks and re-arms.
        this.timer = setTimeout(() => this.pump(), Math.ceil(wait));
        break;
      }
      const { chunk } = this.queue.shift() as Entry;
      if (chunk === END) {
        this.finish();
        return;
      }
      this.queuedBytes -= chunk.length;
      if (!this.deliver(chunk)) {
        break;
      }
    }
    if (this.pausedSource && this.queuedBytes <= this.maxBufferedBytes / 2) {
      this.pausedSource = false;
      this.source.resume();
    }
  }

  /** Writes one chunk; false when the sink wants a `drain` first. */
  private deliver(chunk: Buffer): boolean {
    if (this.sink.destroyed || !this.sink.writable) {
      return true;
    }
    this.onDelivered(chunk.length);
    if (this.sink.write(chunk)) {
      return true;
    }
    this.waitingDrain = true;
    this.sink.once('drain', () => {
      this.waitingDrain = false;
      this.pump();
    });
    return false;
  }

  private finish(): void {
    if (!this.sink.destroyed && this.sink.writable) {
      this.sink.end();
    }
    this.stopped = true;
    this.afterEnd?.();
  }
}
