import { RawMessage } from '../pipeline/raw-message';

export interface BatcherOptions {
  maxBatch: number;
  maxWaitMs: number;
  concurrency: number;
  /**
   * Cap on messages held while every processing slot is busy (a slow or failing store). Beyond
   * it, the oldest full batch is handed to `shed` at once instead of waiting: memory stays
   * bounded and nothing is dropped (the gateway dead-letters shed messages). Default: no cap.
   */
  maxBuffered?: number;
  shed?: (batch: RawMessage[]) => Promise<unknown>;
  process: (batch: RawMessage[]) => Promise<unknown>;
  onError: (err: unknown, batch: RawMessage[]) => void;
}

/**
 * Collects messages into batches (size or time, whichever first) and processes up to
 * `concurrency` batches at once. The MQTT handler only pushes: it never waits for storage, so a
 * slow store cannot stall the broker connection (MQTT.js handles one packet at a time).
 */
export class IngestBatcher {
  private buffer: RawMessage[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  private shedding = 0;
  private readonly idle: (() => void)[] = [];

  constructor(private readonly o: BatcherOptions) {}

  get buffered(): number {
    return this.buffer.length;
  }

  push(message: RawMessage): void {
    this.buffer.push(message);
    if (this.buffer.length >= this.o.maxBatch) {
      this.pump();
      this.shedOverflow();
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.pump(true);
      }, this.o.maxWaitMs);
    }
  }

  /** Processes everything buffered; resolves when nothing is buffered or in flight. */
  async drain(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pump(true);
    while (this.buffer.length > 0 || this.inFlight > 0 || this.shedding > 0) {
      await new Promise<void>((resolve) => this.idle.push(resolve));
      this.pump(true);
    }
  }

  /** Hands the oldest batches beyond `maxBuffered` to `shed`, outside the concurrency limit. */
  private shedOverflow(): void {
    const { maxBuffered, shed } = this.o;
    if (maxBuffered === undefined || !shed) {
      return;
    }
    while (this.buffer.length > maxBuffered) {
      const batch = this.buffer.splice(
        0,
        Math.min(this.o.maxBatch, this.buffer.length - maxBuffered),
      );
      this.shedding += 1;
      shed(batch)
        .catch((err: unknown) => this.o.onError(err, batch))
        .finally(() => {
          this.shedding -= 1;
          for (const wake of this.idle.splice(0)) {
            wake();
          }
        });
    }
  }

  private pump(includePartial = false): void {
    while (
      this.inFlight < this.o.concurrency &&
      (this.buffer.length >= this.o.maxBatch || (includePartial && this.buffer.length > 0))
    ) {
      const batch = this.buffer.splice(0, this.o.maxBatch);
      this.inFlight += 1;
      this.o
        .process(batch)
        .catch((err: unknown) => this.o.onError(err, batch))
        .finally(() => {
          this.inFlight -= 1;
          // What arrived while every slot was busy goes next, full or not.
          this.pump(true);
          for (const wake of this.idle.splice(0)) {
            wake();
          }
        });
    }
  }
}
