import { addFailureCounts, emptyFailureCounts, FailureCounts } from './failure-class';
import { HistogramJson, LatencyHistogram, LatencyStats } from '@sousvide/shared-util';

/**
 * What a partition's devices did after losing their connections, so a chaos report can show
 * whether reconnects spread over a window or came back as one herd.
 */
export interface ReconnectStats {
  /** Established connections lost (each one starts a reconnect sequence). */
  lost: number;
  /** CONNECT attempts made to get back. */
  attempts: number;
  /** Attempts that got a CONNACK. */
  succeeded: number;
  /** Failed attempts by class (a broker still down shows as connect_refused). */
  failedAttempts: FailureCounts;
  /** Devices still without a connection when the partition ended. */
  stillDisconnected: number;
  /** Time from losing a connection to the CONNACK that restored it. */
  delay: HistogramJson;
  /** Epoch ms of the first and last restored connection; 0 when none. */
  firstAt: number;
  lastAt: number;
  /** Restored connections per epoch second (sparse): the spread, second by second. */
  perSecond: Record<string, number>;
}

/** reconnects in connection-summary.json: every part's {@link ReconnectStats} merged. */
export interface ReconnectSummary {
  lost_total: number;
  attempts_total: number;
  succeeded_total: number;
  failed_attempts_by_class: FailureCounts;
  still_disconnected_total: number;
  delay_ms: LatencyStats;
  first_at: number;
  last_at: number;
  /** last_at - first_at: the window the reconnects spread over. */
  spread_ms: number;
  per_second: Record<string, number>;
}

export function emptyReconnectStats(): ReconnectStats {
  return {
    lost: 0,
    attempts: 0,
    succeeded: 0,
    failedAttempts: emptyFailureCounts(),
    stillDisconnected: 0,
    delay: new LatencyHistogram().toJSON(),
    firstAt: 0,
    lastAt: 0,
    perSecond: {},
  };
}

/** Merges parts' reconnect statistics; parts from agents without them count as none. */
export function summarizeReconnects(
  parts: readonly (ReconnectStats | undefined)[],
): ReconnectSummary {
  const delay = new LatencyHistogram();
  const failed = emptyFailureCounts();
  const perSecond: Record<string, number> = {};
  let lost = 0;
  let attempts = 0;
  let succeeded = 0;
  let still = 0;
  let first = 0;
  let last = 0;
  for (const r of parts) {
    if (!r) {
      continue;
    }
    lost += r.lost;
    attempts += r.attempts;
    succeeded += r.succeeded;
    still += r.stillDisconnected;
    addFailureCounts(failed, r.failedAttempts);
    delay.merge(r.delay);
    for (const [second, n] of Object.entries(r.perSecond)) {
      perSecond[second] = (perSecond[second] ?? 0) + n;
    }
    if (r.succeeded > 0) {
      first = first === 0 ? r.firstAt : Math.min(first, r.firstAt);
      last = Math.max(last, r.lastAt);
    }
  }
  return {
    lost_total: lost,
    attempts_total: attempts,
    succeeded_total: succeeded,
    failed_attempts_by_class: failed,
    still_disconnected_total: still,
    delay_ms: delay.stats(),
    first_at: first,
    last_at: last,
    spread_ms: last - first,
    per_second: perSecond,
  };
}
