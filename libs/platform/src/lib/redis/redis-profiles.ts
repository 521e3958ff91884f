import type { RedisOptions } from 'ioredis';

/**
 * The ways this project talks to Redis, each with its retry and timeout policy chosen once. A
 * client is made for a role, not tuned at the call site, so two places with the same role behave
 * the same when Redis is slow or gone.
 */
export const REDIS_PROFILES = {
  /**
   * Commands of a long-running service that may wait out a short blip (barrier keys, reading a
   * run's counters): a few retries, a bounded connect.
   */
  command: { connectTimeout: 3000, maxRetriesPerRequest: 3 },
  /**
   * A BullMQ queue a service adds to or reads: a command is refused at once while Redis is away
   * instead of being parked in memory, so the caller sees the outage.
   */
  producer: { connectTimeout: 3000, enableOfflineQueue: false },
  /** BullMQ workers: their blocking commands must wait for Redis however long (BullMQ's rule). */
  queueWorker: { maxRetriesPerRequest: null },
  /**
   * The gateway's hot path (claims, heartbeats, counters, DLQ adds): fail within 3 s so a batch
   * degrades to the spool and the DLQ instead of stalling ingestion (ADR 0009).
   */
  ingest: {
    connectTimeout: 3000,
    commandTimeout: 3000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  },
  /**
   * One-shot commands (the DLQ replay): fail a call rather than wait, with room for a page of
   * DLQ jobs on a busy Redis.
   */
  oneShot: {
    connectTimeout: 3000,
    commandTimeout: 5000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  },
  /** A reachability probe before anything else connects: one try, no reconnects. */
  probe: {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  },
} as const satisfies Record<string, RedisOptions>;

export type RedisProfile = keyof typeof REDIS_PROFILES;
