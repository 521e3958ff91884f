/** CONNECTs a process starts with before any is answered (below Mosquitto's listen backlog, 100). */
export const CONNECT_WINDOW_INITIAL = 16;

/**
 * The CONNECTs in flight of one agent process, shared by all its partitions (ADR 0056). They share
 * one event loop and, on a local broker, its accept queue: 8 partitions x 120 opened at once put
 * 960 handshakes against a backlog of 100, and the dropped SYNs waited 1 s each for their
 * retransmit. So the window opens like TCP's slow start: `CONNECT_WINDOW_INITIAL` at first, one
 * more per accepted connection (doubling every round trip), up to the largest parallelism asked
 * of it, or `max` when that is set and smaller (AGENT_CONNECT_WINDOW); each partition still keeps
 * at most its own parallelism in flight.
 */
export class ConnectWindow {
  private inFlight = 0;
  private open: number;
  private ceiling = 0;
  private readonly waiting: (() => void)[] = [];

  /** `max` 0: no bound of its own (the largest parallelism asked). */
  constructor(
    private readonly max = 0,
    initial = CONNECT_WINDOW_INITIAL,
  ) {
    this.open = Math.max(1, initial);
  }

  /** Resolves when a CONNECT may start; `parallelism` is the caller's own bound. */
  acquire(parallelism: number): Promise<void> {
    this.ceiling = Math.max(
      this.ceiling,
      this.max > 0 ? Math.min(parallelism, this.max) : parallelism,
    );
    if (this.inFlight < this.limit()) {
      this.inFlight += 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Ends a CONNECT; an accepted one opens the window by one. */
  release(accepted: boolean): void {
    this.inFlight -= 1;
    if (accepted && this.open < this.ceiling) {
      this.open += 1;
    }
    while (this.waiting.length > 0 && this.inFlight < this.limit()) {
      this.inFlight += 1;
      this.waiting.shift()?.();
    }
  }

  /** The current bound and how many hold a slot (for logs and tests). */
  state(): { open: number; inFlight: number; waiting: number } {
    return { open: this.limit(), inFlight: this.inFlight, waiting: this.waiting.length };
  }

  private limit(): number {
    return Math.min(this.open, Math.max(1, this.ceiling));
  }
}
