/** Sizes of the replayer (its claim key is INGEST_KEYS.replayClaim). */

/** The `ingest-dlq` queue the replay reads and removes entries from. */
export const REPLAYER_DLQ_QUEUE = Symbol('REPLAYER_DLQ_QUEUE');

/** Long enough for a batch's slowest path (Influx retry budget plus removal), short if we crash. */
export const REPLAY_CLAIM_TTL_MS = 60_000;

/** Entries stored per Influx request / heartbeat pipeline: one round trip each. */
export const REPLAY_BATCH_SIZE = 100;

/** Jobs fetched per getJobs call while selecting. */
export const REPLAY_PAGE_SIZE = 500;

/** DLQ states a not-yet-replayed entry can be in (no worker ever consumes the DLQ). */
export const DLQ_PENDING_STATES = ['waiting', 'prioritized', 'delayed'] as const;
