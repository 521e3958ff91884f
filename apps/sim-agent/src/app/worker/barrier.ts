import type Redis from 'ioredis';
import { LOADTEST_KEYS } from '@sousvide/loadtest-contracts';

const POLL_MS = 100;

/**
 * The agent's side of the start barrier: polls the coordinator's start-at and abort keys. Polling
 * (not pub/sub) keeps it correct for agents that arrive late or reconnect to Redis mid-wait.
 */
export class Barrier {
  private aborted = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly runId: string,
    private readonly attempt: number,
    private readonly deadlineAt: number,
  ) {}

  /** Starts refreshing the abort flag in the background. */
  watch(): void {
    this.timer = setInterval(() => {
      this.redis.exists(LOADTEST_KEYS.abort(this.runId, this.attempt)).then(
        (n) => {
          this.aborted ||= n === 1 || Date.now() > this.deadlineAt;
        },
        () => undefined,
      );
    }, 500);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  isAborted(): boolean {
    return this.aborted;
  }

  async waitForStart(): Promise<number | undefined> {
    const startKey = LOADTEST_KEYS.startAt(this.runId, this.attempt);
    const abortKey = LOADTEST_KEYS.abort(this.runId, this.attempt);
    while (Date.now() < this.deadlineAt) {
      try {
        const [start, abort] = await this.redis.mget(startKey, abortKey);
        if (abort !== null) {
          this.aborted = true;
          return undefined;
        }
        if (start !== null) {
          return Number(start);
        }
      } catch {
        // Redis blips are retried until the deadline; the coordinator decides the attempt's fate.
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    this.aborted = true;
    return undefined;
  }
}
