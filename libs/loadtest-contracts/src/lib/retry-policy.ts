/** Shape of an attempt that the retry policy changes. */
export interface AttemptShape {
  partitions: number;
  connectParallelism: number;
}

export interface RetryCaps {
  minParallelism: number;
  maxPartitions: number;
  totalConnections: number;
}

/**
 * The next attempt after a failure: half the connect parallelism (never below MIN_PARALLELISM,
 * never above what it was) and twice the partitions (never above MAX_PARTITIONS or the connection
 * count, never fewer than before). Gentler connects and smaller parts are what relieve EMFILE,
 * port exhaustion and connect storms, the usual reasons an attempt fails.
 */
export function nextAttemptShape(previous: AttemptShape, caps: RetryCaps): AttemptShape {
  const connectParallelism = Math.min(
    previous.connectParallelism,
    Math.max(caps.minParallelism, Math.floor(previous.connectParallelism / 2)),
  );
  const partitions = Math.max(
    previous.partitions,
    Math.min(caps.maxPartitions, caps.totalConnections, previous.partitions * 2),
  );
  return { partitions, connectParallelism };
}
