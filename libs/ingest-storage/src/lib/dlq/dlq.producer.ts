import { Queue, type JobsOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { DLQ_JOB_NAMES, dlqJobId, QUEUE_NAMES, type DlqEntry } from '@sousvide/loadtest-contracts';
import { withTimeout } from '@sousvide/shared-util';
import { errorMessage } from '../redis/error-message.util';

/** Tuning for {@link DlqProducer}; the defaults favour failing fast so the caller can spool. */
export interface DlqProducerOptions {
  /**
   * Upper bound on one {@link DlqProducer.addMany}, in ms (default 5000). It also covers the
   * case ioredis timeouts cannot: a queue whose first connection is still pending waits for it.
   */
  addTimeoutMs?: number;
  /** Receives the queue's connection errors (with no listener BullMQ prints each to stderr). */
  onError?: (err: Error) => void;
}

/** Outcome of {@link DlqProducer.addMany}: entries in `failed` are not known to be in the DLQ. */
export interface DlqAddResult {
  added: number;
  failed: { entry: DlqEntry; error: string }[];
}

/** Per-command bound on a stalled Redis (socket open, no answer), where no offline queue applies. */
const DEFAULT_COMMAND_TIMEOUT_MS = 2000;
const DEFAULT_ADD_TIMEOUT_MS = 5000;

/** Every DLQ job: kept until the replayer handles it; the replayer, not BullMQ, decides retries. */
const JOB_OPTS = { removeOnComplete: true, removeOnFail: false, attempts: 1 } as const;

/**
 * Producer side of the `ingest-dlq` queue: one job per failed message, id derived from the
 * message's idempotency key so re-adding (after a spool, a retry or a timeout) never duplicates.
 */
export class DlqProducer {
  private readonly queue: Queue<DlqEntry, unknown, typeof DLQ_JOB_NAMES.failedMessage>;
  /** Set when this producer created the client, so close() must end it. */
  private readonly owned: Redis | undefined;
  private readonly addTimeoutMs: number;

  /**
   * @param connection a Redis URL or ioredis options (this producer then creates and owns the
   *   client, with `enableOfflineQueue: false` forced), or a caller-owned ioredis client, which
   *   must already have `enableOfflineQueue: false` and which {@link close} leaves open.
   */
  constructor(connection: string | RedisOptions | Redis, opts: DlqProducerOptions = {}) {
    this.addTimeoutMs = opts.addTimeoutMs ?? DEFAULT_ADD_TIMEOUT_MS;
    if (isClient(connection) && connection.options.enableOfflineQueue !== false) {
      // With an offline queue, a Redis outage parks adds in memory instead of failing them,
      // so the gateway would never spool them: refuse the client at wiring time.
      throw new Error('DlqProducer: the ioredis client needs enableOfflineQueue: false');
    }
    const client = isClient(connection) ? connection : ownClient(connection);
    this.owned = client === connection ? undefined : client;
    // Hand BullMQ a client rather than options: BullMQ then never closes it, and Queue.close()
    // with its own client rejects when Redis is down (QUIT refused) and leaves it reconnecting.
    this.queue = new Queue(QUEUE_NAMES.dlq, { connection: client });
    this.queue.on('error', opts.onError ?? ((): void => undefined));
  }

  /**
   * Adds entries in one round trip. Never rejects and never waits longer than `addTimeoutMs`:
   * on any failure every entry is reported failed, which is safe to re-add because BullMQ ignores
   * an existing job id. (BullMQ 6's addBulk is a pipeline, not a MULTI, so a failed call may have
   * stored some entries, and a timed-out one may still land later; re-adding them is a no-op.)
   */
  async addMany(entries: readonly DlqEntry[]): Promise<DlqAddResult> {
    if (entries.length === 0) {
      return { added: 0, failed: [] };
    }
    const jobs = entries.map((entry) => ({
      name: DLQ_JOB_NAMES.failedMessage,
      data: entry,
      opts: { ...JOB_OPTS, jobId: dlqJobId(entry.kind, entry.key) } satisfies JobsOptions,
    }));
    try {
      await withTimeout(this.queue.addBulk(jobs), this.addTimeoutMs, 'DLQ add');
      return { added: entries.length, failed: [] };
    } catch (err) {
      const error = errorMessage(err);
      return { added: 0, failed: entries.map((entry) => ({ entry, error })) };
    }
  }

  /** Job counts by state (waiting, failed, ...), for metrics and tests. */
  counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts();
  }

  /** Closes the queue and the client it created; a caller-owned client stays open. */
  async close(): Promise<void> {
    await this.queue.close();
    // QUIT lets in-flight adds finish; when Redis is down it is refused, so just drop the socket.
    await this.owned?.quit().catch(() => this.owned?.disconnect());
  }
}

function ownClient(connection: string | RedisOptions): Redis {
  const defaults: RedisOptions = {
    commandTimeout: DEFAULT_COMMAND_TIMEOUT_MS,
    // A command caught by a dropped link then fails after 2 reconnect attempts instead of 21.
    maxRetriesPerRequest: 1,
  };
  return typeof connection === 'string'
    ? new Redis(connection, { ...defaults, enableOfflineQueue: false })
    : new Redis({ ...defaults, ...connection, enableOfflineQueue: false });
}

/** Structural, so a client from another copy of ioredis in node_modules is still recognised. */
function isClient(connection: string | RedisOptions | Redis): connection is Redis {
  return (
    typeof connection === 'object' && typeof Reflect.get(connection, 'defineCommand') === 'function'
  );
}
