import {
  PartitionSpec,
  RunSpec,
  sourceAddressesFor,
  splitConnections,
} from '@sousvide/loadtest-contracts';
import { CoordinatorEnv } from '../config/env.schema';

export interface AttemptShape {
  partitions: number;
  connectParallelism: number;
}

export interface AttemptPlan {
  /** Connections of each partition. */
  counts: number[];
  specs: PartitionSpec[];
  /** Loopback source addresses per partition, when the broker is on loopback. */
  sources?: string[][];
}

/** The partition jobs of one attempt: connections split evenly, device ids consecutive. */
export function planAttempt(
  spec: RunSpec,
  attempt: number,
  shape: AttemptShape,
  env: CoordinatorEnv,
  deadlineAt: number,
): AttemptPlan {
  const counts = splitConnections(spec.totalConnections, shape.partitions);
  const sources = sourceAddressesFor(
    new URL(spec.brokerUrl).hostname,
    counts,
    `${spec.runId}/${attempt}`,
  );
  let offset = 0;
  const specs = counts.map((connections, part): PartitionSpec => {
    const p: PartitionSpec = {
      runId: spec.runId,
      attempt,
      part,
      partitions: shape.partitions,
      connections,
      deviceOffset: offset,
      connectParallelism: shape.connectParallelism,
      mps: spec.mps,
      durationSec: spec.durationSec,
      qos: spec.qos,
      model: spec.model,
      brokerUrl: spec.brokerUrl,
      connectTimeoutMs: env.CONNECT_TIMEOUT_MS,
      publishTimeoutMs: env.PUBLISH_TIMEOUT_MS,
      keepaliveSec: env.KEEPALIVE_SEC,
      reconnect: { baseMs: env.RECONNECT_BASE_MS, capMs: env.RECONNECT_CAP_MS },
      deadlineAt,
      ...(sources ? { sourceAddresses: sources[part] } : {}),
    };
    offset += connections;
    return p;
  });
  return { counts, specs, ...(sources ? { sources } : {}) };
}
