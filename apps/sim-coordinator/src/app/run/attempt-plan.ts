import {
  type AttemptShape,
  type PartitionSpec,
  type RunSpec,
  sourceAddressesFor,
  splitConnections,
} from '@sousvide/loadtest-contracts';
import type { CoordinatorEnv } from '../config/env.schema';
import { hostFacts } from './host-facts';
import { redactUrl } from '@sousvide/security';

/** The devices' timeouts and backoff, from the coordinator's environment into every part. */
type DeviceTiming = Pick<
  CoordinatorEnv,
  | 'CONNECT_TIMEOUT_MS'
  | 'PUBLISH_TIMEOUT_MS'
  | 'KEEPALIVE_SEC'
  | 'RECONNECT_BASE_MS'
  | 'RECONNECT_CAP_MS'
>;

/**
 * One attempt's partitions: connections split evenly, device ids consecutive across parts, and
 * towards a broker on loopback each part's source addresses (a fresh block per attempt).
 */
export function planPartitions(
  spec: RunSpec,
  attempt: number,
  shape: AttemptShape,
  timing: DeviceTiming,
  deadlineAt: number,
): PartitionSpec[] {
  const counts = splitConnections(spec.totalConnections, shape.partitions);
  const sources = sourceAddressesFor(
    new URL(spec.brokerUrl).hostname,
    counts,
    `${spec.runId}/${attempt}`,
  );
  let offset = 0;
  return counts.map((connections, part) => {
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
      connectTimeoutMs: timing.CONNECT_TIMEOUT_MS,
      publishTimeoutMs: timing.PUBLISH_TIMEOUT_MS,
      keepaliveSec: timing.KEEPALIVE_SEC,
      reconnect: { baseMs: timing.RECONNECT_BASE_MS, capMs: timing.RECONNECT_CAP_MS },
      deadlineAt,
      loop: spec.loop,
      window: spec.window,
      ...(sources ? { sourceAddresses: sources[part] } : {}),
    };
    offset += connections;
    return p;
  });
}

/** run.json at the start of an attempt: the spec, the shape, the environment and the host. */
export function attemptRecord(
  spec: RunSpec,
  attempt: number,
  shape: AttemptShape,
  localAgents: boolean,
  env: DeviceTiming & Pick<CoordinatorEnv, 'REDIS_URL'>,
) {
  return {
    spec,
    attempt,
    shape,
    startedAt: new Date().toISOString(),
    agents: localAgents ? 'local' : 'external',
    env: {
      REDIS_URL: redactUrl(env.REDIS_URL),
      MQTT_URL: spec.brokerUrl,
      CONNECT_TIMEOUT_MS: env.CONNECT_TIMEOUT_MS,
      PUBLISH_TIMEOUT_MS: env.PUBLISH_TIMEOUT_MS,
      KEEPALIVE_SEC: env.KEEPALIVE_SEC,
      RECONNECT_BASE_MS: env.RECONNECT_BASE_MS,
      RECONNECT_CAP_MS: env.RECONNECT_CAP_MS,
    },
    host: hostFacts(),
  };
}
