/** Queue names shared by producers and consumers. */
export const QUEUE_NAMES = {
  partitions: 'loadtest-partitions',
  dlq: 'ingest-dlq',
} as const;

/** Job names on {@link QUEUE_NAMES.partitions}. */
export const PARTITION_JOB_NAMES = {
  runPartition: 'run-partition',
} as const;
export type PartitionJobName = (typeof PARTITION_JOB_NAMES)[keyof typeof PARTITION_JOB_NAMES];

/** Deterministic job id, so a re-submitted partition never duplicates (BullMQ ids may not hold ':'). */
export function partitionJobId(runId: string, attempt: number, part: number): string {
  return `${runId}__a${attempt}__p${part}`;
}

/** Redis keys the coordinator and agents share for one attempt. */
export const LOADTEST_KEYS = {
  /** Epoch ms at which every partition begins publishing (the barrier). */
  startAt: (runId: string, attempt: number): string => `loadtest:${runId}:a${attempt}:start-at`,
  /** Set when the coordinator gives up on the attempt; agents stop and report what they have. */
  abort: (runId: string, attempt: number): string => `loadtest:${runId}:a${attempt}:abort`,
} as const;

/** How long barrier and abort keys live in Redis (they are only useful during the attempt). */
export const LOADTEST_KEY_TTL_SEC = 24 * 3600;
