import type { LatencyStats } from '@sousvide/shared-util';
import type { PartitionResult } from './partition';
import { CLOSED_LOOP_SATURATED_BELOW } from './publish-loop';

/** connection-summary.json's `closed_loop`: where a closed loop saturated (ADR 0019). */
export interface ClosedLoopSummary {
  window: number;
  /** What the open loop would offer at the same settings: devices x mps. */
  target_rate: number;
  /** Acknowledged messages per second over the publish window (= throughput_total). */
  achieved_rate: number;
  /** achieved_rate / target_rate. */
  achieved_ratio: number;
  /** Achieved msg/s per device: the mean, the slowest device, the fastest, against the target. */
  achieved_per_device: { target: number; mean: number; min: number; max: number };
  /** Devices that got less than 95 % of their scheduled messages acknowledged. */
  devices_below_target: number;
  /** Slots not sent because the window was full: the loop's feedback, not failures. */
  withheld_total: number;
  /** The acks, not the schedule, set the pace (achieved below 95 % of the target). */
  saturated: boolean;
  /**
   * Little's law: window x devices / mean publish->ack latency, the rate the window allows at
   * the latency measured. Close to achieved_rate when the acks were the limit.
   */
  window_bound_rate: number;
  publish_ack_latency_ms: LatencyStats;
  /** One sentence for the table. */
  verdict: string;
}

const round = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * The closed loop's figures from the parts that returned a result; undefined when none ran a
 * closed loop. `windowSec` is the publish window the throughput was computed over.
 */
export function summarizeClosedLoop(
  results: readonly PartitionResult[],
  input: {
    devices: number;
    mps: number;
    achievedRate: number;
    windowSec: number;
    ack: LatencyStats;
  },
): ClosedLoopSummary | undefined {
  const parts = results.flatMap((r) => (r.closedLoop ? [{ r, c: r.closedLoop }] : []));
  if (parts.length === 0) {
    return undefined;
  }
  const window = parts[0].c.window;
  const seconds = input.windowSec > 0 ? input.windowSec : 1;
  const devices = parts.reduce((n, p) => n + p.r.devices, 0);
  const acked = parts.reduce((n, p) => n + p.c.deviceAckedSum, 0);
  const target = round(input.devices * input.mps);
  const ratio = target > 0 ? round(input.achievedRate / target, 4) : 0;
  const saturated = ratio < CLOSED_LOOP_SATURATED_BELOW;
  const meanAckSec = input.ack.mean / 1000;
  const bound = meanAckSec > 0 ? round((window * devices) / meanAckSec) : 0;
  const verdict = saturated
    ? `saturated at ${input.achievedRate} msg/s, ${round(ratio * 100, 1)}% of the ${target} msg/s target ` +
      `(window ${window}, ack p95 ${input.ack.p95} ms; the window allows ~${bound} msg/s at that latency)`
    : `kept up: ${input.achievedRate} msg/s of the ${target} msg/s target (window ${window}, ack p95 ${input.ack.p95} ms)`;
  return {
    window,
    target_rate: target,
    achieved_rate: input.achievedRate,
    achieved_ratio: ratio,
    achieved_per_device: {
      target: input.mps,
      mean: devices > 0 ? round(acked / devices / seconds, 3) : 0,
      min: round(Math.min(...parts.map((p) => p.c.deviceAckedMin)) / seconds, 3),
      max: round(Math.max(...parts.map((p) => p.c.deviceAckedMax)) / seconds, 3),
    },
    devices_below_target: parts.reduce((n, p) => n + p.c.devicesBelowTarget, 0),
    withheld_total: parts.reduce((n, p) => n + p.c.withheld, 0),
    saturated,
    window_bound_rate: bound,
    publish_ack_latency_ms: input.ack,
    verdict,
  };
}
