/** Redis keys and names the ingest side shares with the coordinator and the replayer. */
import { zeroCounts, type Counts } from '@sousvide/shared-util';

/**
 * The business counters of docs/architecture.md section 3, exactly as the runbook names them,
 * then the reliability counters (section 7): `duplicate_total` (copies of an already stored
 * message, not in `recv_total`), `spooled_total` (failed messages the DLQ refused,
 * kept in a gateway's local spool instead of `dlq_total`), `spool_drained_total` (moved from a
 * spool into the DLQ) and `replayed_total` (DLQ entries the replayer stored).
 */
export const BUSINESS_COUNTERS = [
  'recv_total',
  'parse_ok_total',
  'parse_fail_total',
  'influx_ok_total',
  'influx_fail_total',
  'influx_bypass_total',
  'redis_ok_total',
  'redis_fail_total',
  'pipeline_success_total',
  'core_pipeline_success_total',
  'dlq_total',
  'duplicate_total',
  'spooled_total',
  'spool_drained_total',
  'replayed_total',
] as const;
export type BusinessCounter = (typeof BUSINESS_COUNTERS)[number];
export type BusinessCounts = Counts<BusinessCounter>;

export function emptyBusinessCounts(): BusinessCounts {
  return zeroCounts(BUSINESS_COUNTERS);
}

/**
 * Where a message's time goes through a gateway (per run, mergeable histograms next to the e2e
 * latency, ADR 0015): `broker` payload ts to the socket read that carried it (publisher, broker
 * and the gateway's socket), `queue` that read to the start of its batch, `store` the Influx
 * write, `heartbeat` the Redis heartbeat, `dlq` dead-lettering (only the messages that failed),
 * `settle` the idempotency record, device sequences and counters in Redis, `ack` the end of settle to the
 * acknowledgement to the broker (waits for earlier batches: acks go out in order).
 */
export const INGEST_STAGES = [
  'broker',
  'queue',
  'store',
  'heartbeat',
  'dlq',
  'settle',
  'ack',
] as const;
export type IngestStage = (typeof INGEST_STAGES)[number];

/** Run id used for telemetry that carries none (real devices). */
export const NO_RUN_ID = '_none';

export const INGEST_KEYS = {
  /** Sorted set deviceId -> last-seen ts (ms), written with ZADD GT so it never moves back. */
  heartbeat: 'ingest:heartbeat',
  /** SET NX PX marker: a fail-safe command was sent to this device within the cooldown. */
  failsafe: (deviceId: string): string => `ingest:failsafe:${deviceId}`,
  /** Marker: this reading (its idempotency key) raised a command; a copy of it never raises another. */
  failsafeFired: (messageKey: string): string => `ingest:failsafe-fired:${messageKey}`,
  /** SET NX PX marker: one replayer is re-driving this DLQ job right now. */
  replayClaim: (jobId: string): string => `replay:claim:${jobId}`,
  /**
   * String with PX: the incarnation (process start) of the gateway that runs under this
   * GATEWAY_ID now, refreshed every second. Gone or different: that process is dead and its
   * broker sessions may be adopted (ADR 0015).
   */
  gatewayAlive: (gatewayId: string): string => `ingest:gateway:${gatewayId}:alive`,
  /** Hash gatewayId -> MQTT connections: gateways whose broker sessions may hold messages. */
  gatewaySessions: 'ingest:gateway-sessions',
  /**
   * Hash gatewayId -> `<unacked> <spool entries> <epoch ms>`: what each gateway held at its last
   * liveness renewal (every second), so a load test's summary can measure what was still in a
   * gateway at its cut-off (ADR 0017). An entry older than the liveness TTL is a dead gateway's.
   */
  gatewayHeld: 'ingest:gateway-held',
  /** SET NX PX: one surviving gateway is draining this dead gateway's sessions. */
  gatewayAdoption: (gatewayId: string): string => `ingest:gateway:${gatewayId}:adoption`,
} as const;

export const DLQ_KINDS = ['parse', 'influx', 'redis'] as const;
export type DlqKind = (typeof DLQ_KINDS)[number];

/** Job name on the `ingest-dlq` queue. */
export const DLQ_JOB_NAMES = { failedMessage: 'failed-message' } as const;

/** One failed message in the DLQ; its job id is {@link dlqJobId}(kind, key). */
export interface DlqEntry {
  kind: DlqKind;
  /**
   * Message identity: `deviceId:seq:ts` (`deviceId:-:ts` without a seq; ADR 0005), or
   * `raw:<sha256 prefix>` for an unparsable payload.
   */
  key: string;
  topic: string;
  /** Original payload, base64 (it may not be UTF-8). */
  payloadBase64: string;
  /** Stable error code plus message, e.g. `INVALID: tempC: expected number`. */
  error: { code: string; message: string };
  runId?: string;
  deviceId?: string;
  /** When the failure happened (epoch ms) and which gateway saw it. */
  failedAt: number;
  gatewayId: string;
}

/** DLQ job id: BullMQ ids may not hold ':' so the key's separators become '_'. */
export function dlqJobId(kind: DlqKind, key: string): string {
  return `${kind}__${key.replace(/:/g, '_')}`;
}
