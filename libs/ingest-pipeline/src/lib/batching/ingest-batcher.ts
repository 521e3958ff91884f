import { abortableDelay } from '../util/abortable-delay';

/**
 * The rate (items/s) at which a spacing interval of `spacingMs` gathers 2 items on average: below
 * it waiting would add latency and merge nothing (ADR 0046). 0 when there is no spacing.
 */
export function twoPerInterval(spacingMs: number): number {
  return spacingMs > 0 ? (2 * 1000) / spacingMs : 0;
}

/** The span over which the arrival rate is counted, for `spacingMinRate`. */
const RATE_WINDOW_MS = 100;

export interface BatcherOptions<T, R> {
  /** Most items per batch. */
  maxBatch: number;
  /** Batches processed at once. */
  concurrency: number;
  /**
   * Least time between two batch starts while load is steady, unless `maxBatch` items wait: a
   * batch that would follow the previous start sooner waits out the rest and takes what arrived
   * meanwhile. The first batch after a quiet spell (no start for this long) starts at once, and a
   * drain never waits. Each batch costs a store write and a Redis script whatever its size, and
   * fast writes otherwise make batches of a few messages (ADR 0030). Default 0: no spacing.
   */
  spacingMs?: number;
  /**
   * Items per second from which `spacingMs` applies, counted over the last 100-200 ms. Below it a
   * spacing interval gathers fewer than two items on average, so waiting would add latency and
   * merge nothing (ADR 0046). Default: two items per spacing interval (400/s at 5 ms); 0 spaces
   * at any rate.
   */
  spacingMinRate?: number;
  /**
   * Cap on items waiting while every slot is busy (a slow or failing store). Beyond it, the oldest
   * are handed to `shed` at once, outside the concurrency limit: memory stays bounded and nothing
   * is dropped (the gateway dead-letters shed messages). Default: no cap.
   */
  maxBuffered?: number;
  /** Wait before a batch whose processing threw is tried again. Default 1 s. */
  retryDelayMs?: number;
  process: (batch: T[], signal: AbortSignal) => Promise<R>;
  shed?: (batch: T[], signal: AbortSignal) => Promise<R>;
  /**
   * Each batch once, in the order batches were started (processed or shed), with what its
   * processing returned and when it finished; `undefined` when it was abandoned unfinished.
   * In order because the broker takes acknowledgements in order: a later batch's cannot go out
   * before an earlier one's anyway.
   */
  settled: (batch: T[], result: R | undefined, finishedAt: number) => void;
  onError: (err: unknown, batch: T[]) => void;
}

interface Dispatch<T, R> {
  batch: T[];
  done: boolean;
  result?: R;
  finishedAt: number;
}

/**
 * Group commit: a batch starts as soon as a slot is free (within one event-loop turn, which joins
 * the socket reads of every connection that arrived together), and whatever arrives while every
 * slot is busy forms the next batch. No timer: an idle store gets each read at once (low
 * latency), a busy one gets batches as large as what arrived during one write (up to
 * `maxBatch`), so the batch size follows the load instead of a fixed wait.
 */
export class IngestBatcher<T, R> {
  private buffer: T[] = [];
  private readonly queue: Dispatch<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private lastStart = Number.NEGATIVE_INFINITY;
  private spacingTimer?: NodeJS.Timeout;
  /** The arrival count of the current rate window (since `windowStart`) and of the one before. */
  private windowStart = Number.NEGATIVE_INFINITY;
  private windowItems = 0;
  private previousWindowItems = 0;
  private readonly steadyItems: number;
  private draining = false;
  private abandoned = false;
  private readonly abort = new AbortController();
  private readonly idle: (() => void)[] = [];

  constructor(private readonly o: BatcherOptions<T, R>) {
    const spacing = o.spacingMs ?? 0;
    const minRate = o.spacingMinRate ?? twoPerInterval(spacing);
    this.steadyItems = (minRate * RATE_WINDOW_MS) / 1000;
  }

  /** Items waiting for a slot. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Items started and not yet settled. */
  get inProcess(): number {
    return this.queue.reduce((n, d) => n + d.batch.length, 0);
  }

  /** One socket read's items; processing starts within this event-loop turn's end. */
  push(items: readonly T[]): void {
    if (this.abandoned) {
      this.o.settled([...items], undefined, Date.now());
      return;
    }
    for (const item of items) {
      this.buffer.push(item);
    }
    this.countArrivals(items.length);
    this.shedOverflow();
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  /**
   * Processes everything held, and resolves true once all of it settled; or, at `deadline`
   * (epoch ms), abandons what is left (settled as `undefined`, in order) and resolves false.
   */
  async drain(deadline = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.draining = true;
    this.pump();
    while (this.buffer.length > 0 || this.queue.length > 0) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.abandon();
        return false;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 2 ** 31 - 1));
        this.idle.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.pump();
    }
    return true;
  }

  /** Gives up on everything unfinished: what is processing is told to stop, nothing is acked. */
  abandon(): void {
    if (this.abandoned) {
      return;
    }
    this.abandoned = true;
    clearTimeout(this.spacingTimer);
    this.abort.abort();
    const now = Date.now();
    for (const d of this.queue.splice(0)) {
      this.o.settled(d.batch, d.done ? d.result : undefined, d.done ? d.finishedAt : now);
    }
    const rest = this.buffer;
    this.buffer = [];
    if (rest.length > 0) {
      this.o.settled(rest, undefined, now);
    }
  }

  /**
   * Hands the oldest items beyond `maxBuffered` to `shed`, outside the concurrency limit. What the
   * free slots take at this turn's end (`maxBatch` each) is not waiting and does not count: a burst
   * read in one turn before the first batch started was shed down to `maxBuffered` while a slot
   * stood idle (a loaded fail-safe test read 117-146 readings in one turn).
   */
  private shedOverflow(): void {
    const { maxBuffered, shed } = this.o;
    if (maxBuffered === undefined || !shed) {
      return;
    }
    const cap = maxBuffered + Math.max(0, this.o.concurrency - this.inFlight) * this.o.maxBatch;
    while (this.buffer.length > cap) {
      const n = Math.min(this.o.maxBatch, this.buffer.length - cap);
      this.start(this.buffer.splice(0, n), shed, false);
    }
  }

  /** Counts arrivals in windows of RATE_WINDOW_MS; a gap of two windows or more counts as none. */
  private countArrivals(n: number): void {
    const now = performance.now();
    if (now - this.windowStart >= RATE_WINDOW_MS) {
      this.previousWindowItems = now - this.windowStart < 2 * RATE_WINDOW_MS ? this.windowItems : 0;
      this.windowStart = now;
      this.windowItems = 0;
    }
    this.windowItems += n;
  }

  /** Whether items arrive at `spacingMinRate` or more: then, and only then, starts are spaced. */
  private steady(): boolean {
    return this.windowItems >= this.steadyItems || this.previousWindowItems >= this.steadyItems;
  }

  private pump(): void {
    while (!this.abandoned && this.inFlight < this.o.concurrency && this.buffer.length > 0) {
      const wait = this.lastStart + (this.o.spacingMs ?? 0) - performance.now();
      if (wait > 0 && this.buffer.length < this.o.maxBatch && !this.draining && this.steady()) {
        this.spacingTimer ??= setTimeout(() => {
          this.spacingTimer = undefined;
          this.pump();
        }, wait);
        return;
      }
      this.lastStart = performance.now();
      this.start(this.buffer.splice(0, this.o.maxBatch), this.o.process, true);
    }
  }

  private start(batch: T[], run: BatcherOptions<T, R>['process'], slot: boolean): void {
    const d: Dispatch<T, R> = { batch, done: false, finishedAt: 0 };
    this.queue.push(d);
    this.inFlight += slot ? 1 : 0;
    void this.attempt(d, run).finally(() => {
      this.inFlight -= slot ? 1 : 0;
      this.release();
      this.pump();
      for (const wake of this.idle.splice(0)) {
        wake();
      }
    });
  }

  /** Runs a batch until it succeeds or is abandoned, waiting `retryDelayMs` between tries. */
  private async attempt(d: Dispatch<T, R>, run: BatcherOptions<T, R>['process']): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        d.result = await run(d.batch, signal);
        d.done = true;
        d.finishedAt = Date.now();
        return;
      } catch (err) {
        this.o.onError(err, d.batch);
      }
      await abortableDelay(this.o.retryDelayMs ?? 1000, signal);
    }
  }

  /** Settles finished batches from the head of the queue, so they settle in start order. */
  private release(): void {
    if (this.abandoned) {
      return;
    }
    while (this.queue.length > 0 && this.queue[0].done) {
      const d = this.queue.shift() as Dispatch<T, R>;
      this.o.settled(d.batch, d.result, d.finishedAt);
    }
  }
}
