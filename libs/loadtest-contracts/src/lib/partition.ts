import { ClientModel } from './client-model';
import { FailureCounts } from './failure-class';
import { HistogramJson } from '@sousvide/shared-util';
import type { BackoffPolicy } from '@sousvide/shared-util';
import { ReconnectStats } from './reconnect-stats';
import type { PublishLoop } from './publish-loop';

/** One partition of an attempt: what a single agent job executes. */
export interface PartitionSpec {
  runId: string;
  attempt: number;
  /** 0-based part index. */
  part: number;
  partitions: number;
  /** Connections in this part. */
  connections: number;
  /** Global index of this part's first device, so device ids are unique across parts. */
  deviceOffset: number;
  connectParallelism: number;
  mps: number;
  durationSec: number;
  qos: 0 | 1 | 2;
  model: ClientModel;
  brokerUrl: string;
  /** Give up on a CONNECT after this long. */
  connectTimeoutMs: number;
  /** A QoS 1/2 publish without its ack after this long counts as a publish timeout. */
  publishTimeoutMs: number;
  keepaliveSec: number;
  /**
   * Backoff (full jitter) for devices reconnecting after losing an established connection.
   * Absent (a coordinator older than reconnects): RECONNECT_BACKOFF_DEFAULTS.
   */
  reconnect?: BackoffPolicy;
  /** Epoch ms after which the agent stops waiting for the barrier and fails the part. */
  deadlineAt: number;
  /**
   * Local addresses the part's devices connect from, device k from `sourceAddresses[k % n]`
   * (loopback aliases towards a broker on this host; see sourceAddressesFor). Absent: the kernel's.
   */
  sourceAddresses?: string[];
  /** Absent (an older coordinator): open. */
  loop?: PublishLoop;
  /** Closed loop: publishes in flight per device. Absent: 1. */
  window?: number;
}

/** Progress an agent reports through its BullMQ job. */
export interface PartitionProgress {
  phase: 'connecting' | 'connected' | 'publishing' | 'draining' | 'done';
  agentId: string;
  connected: number;
  connectFailed: number;
  published: number;
  failed: number;
  /** Devices with an open connection right now (drops while a broker is away). */
  online?: number;
  /**
   * For the per-second series (absent from older agents): messages whose send time has come so
   * far (published, in flight or failed), publish failures so far by class, and the largest
   * schedule lag since the previous report.
   */
  due?: number;
  publishFailures?: Partial<FailureCounts>;
  lagMaxMs?: number;
  at: number;
}

export interface GeneratorHealth {
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
  /** CPU used by the agent process over the measured phase, as % of one core. */
  cpuPercent: number;
  /** The kernel's part of cpuPercent (absent from older agents). */
  cpuSystemPercent?: number;
  rssBytes: number;
  /** True when the generator itself could not keep the schedule: not a backend result. */
  saturated: boolean;
  reasons: string[];
}

/** What an agent returns for its partition. */
export interface PartitionResult {
  runId: string;
  attempt: number;
  part: number;
  agentId: string;
  model: ClientModel;
  qos: 0 | 1 | 2;
  devices: number;
  connected: number;
  connectFailed: number;
  connectStartedAt: number;
  connectEndedAt: number;
  /** Messages the schedule called for. */
  scheduled: number;
  /** Messages acknowledged (QoS 1/2) or written (QoS 0). */
  published: number;
  /** Scheduled messages that were not published: never sent, or sent without an ack. */
  failed: number;
  publishStartedAt: number;
  publishEndedAt: number;
  connectFailures: FailureCounts;
  /**
   * Refused CONNACKs by the reason the agent gave, e.g. "connack rejected: not authorized (5):
   * check the fleet secret ...": count. Absent when none (and from older agents).
   */
  connectRejections?: Record<string, number>;
  publishFailures: FailureCounts;
  /** Established connections lost (connected, publishing or draining), by class. */
  disconnects: FailureCounts;
  connectLatency: HistogramJson;
  ackLatency: HistogramJson;
  scheduleLag: HistogramJson;
  controlReceived: number;
  /** The agent over the publish window. */
  generator: GeneratorHealth;
  /** The agent over the connect phase (absent from older agents): saturated = the connect rate is the agent's limit. */
  connectGenerator?: GeneratorHealth;
  aborted: boolean;
  /** Reconnects after lost connections; absent from agents older than reconnects. */
  reconnects?: ReconnectStats;
  /** Closed loop only (ADR 0019). */
  closedLoop?: ClosedLoopPartStats;
}

/** What a closed loop did in one part: how far the acks held the devices below the schedule. */
export interface ClosedLoopPartStats {
  window: number;
  /**
   * Schedule slots not sent because the device's window was still full when they fell due and
   * it had one owed already (or the publish window ended first). Not failures: the loop's
   * feedback. scheduled = published + failed + withheld.
   */
  withheld: number;
  /** Acknowledged messages per device over the part: the lowest, the highest, the sum. */
  deviceAckedMin: number;
  deviceAckedMax: number;
  deviceAckedSum: number;
  /** Devices that got fewer than CLOSED_LOOP_SATURATED_BELOW of their scheduled messages acked. */
  devicesBelowTarget: number;
  /** Messages the schedule gave each device (the open-loop target). */
  targetPerDevice: number;
}

/**
 * Splits connections as evenly as possible; the first `total % partitions` parts get one more.
 * @returns the connection count of each part, summing to `total`.
 */
export function splitConnections(total: number, partitions: number): number[] {
  if (
    !Number.isInteger(total) ||
    !Number.isInteger(partitions) ||
    partitions < 1 ||
    total < partitions
  ) {
    throw new RangeError(`cannot split ${total} connections into ${partitions} partitions`);
  }
  const base = Math.floor(total / partitions);
  const extra = total % partitions;
  return Array.from({ length: partitions }, (_, i) => base + (i < extra ? 1 : 0));
}

/** The simulator's device ids: `sv-000000`, `sv-000001`, ... (the provisioner's default prefix). */
export const DEVICE_ID_PREFIX = 'sv-';

/** Device id of global device index `index` under a prefix: `sv-000123`. */
export function deviceIdOf(runDevicePrefix: string, index: number): string {
  return `${runDevicePrefix}${String(index).padStart(6, '0')}`;
}
