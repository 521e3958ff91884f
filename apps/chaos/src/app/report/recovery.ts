import { SLO_TARGETS } from '@sousvide/loadtest-contracts';

/** One second of the run as the gateway saw it (deltas over that second). */
export interface SecondSample {
  /** Seconds since the load's first message. */
  t: number;
  received: number;
  stored: number;
  failed: number;
  /** Failed messages queued in the DLQ (directly or through the spool) in this second. */
  dlq: number;
  /** Entries held in the gateway's spool at the end of the second. */
  spool: number;
  /** Upper bound of the latency bucket holding the second's p95 (ms); null without traffic. */
  p95Ms: number | null;
}

/** What "healthy" means for one second: the ingestion SLOs of docs/architecture.md section 6. */
export const HEALTHY = {
  successPct: SLO_TARGETS.ingestionSuccessPct,
  p95Ms: SLO_TARGETS.p95LatencyMs,
  /** Consecutive healthy seconds that end a recovery (issue 5: 5). */
  window: 5,
} as const;

export function healthy(s: SecondSample): boolean {
  return (
    s.received > 0 &&
    (s.stored / s.received) * 100 >= HEALTHY.successPct &&
    s.p95Ms !== null &&
    s.p95Ms <= HEALTHY.p95Ms
  );
}

export interface Recovery {
  /** Seconds from the fault's start to the first unhealthy second; null if it never degraded. */
  timeToDetectSec: number | null;
  /**
   * Seconds from the fault's end to the first of {@link HEALTHY.window} consecutive healthy
   * seconds; 0 when healthy again at once; null when that never happened in the series.
   */
  mttrSec: number | null;
  /** Unhealthy seconds from the fault's start on. */
  degradedSeconds: number;
  recovered: boolean;
}

/**
 * The series second the fault ended: the planned end (fault-at + fault-seconds), or later when
 * the lift began later. The fault lasts its seconds from when injecting it returned, and on a busy
 * machine `docker pause` or `stop` can take seconds; that delay is the harness's, not the
 * system's recovery time. The lift's own time (`docker unpause`, the gateway's restart and boot)
 * stays in MTTR. `liftStartSec`: the series time (s since the load's first message) at which the
 * lift began; null when it never ran.
 */
export function faultEndSec(plannedEndSec: number, liftStartSec: number | null): number {
  return liftStartSec === null ? plannedEndSec : Math.max(plannedEndSec, Math.ceil(liftStartSec));
}

/** Time to detect and MTTR from the per-second series (fault window in series seconds). */
export function analyseRecovery(
  series: readonly SecondSample[],
  faultStartSec: number,
  faultEndSec: number,
): Recovery {
  const firstBad = series.find((s) => s.t >= faultStartSec && !healthy(s));
  let mttrSec: number | null = null;
  const after = series.filter((s) => s.t >= faultEndSec);
  for (let i = 0; i + HEALTHY.window <= after.length; i += 1) {
    const run = after.slice(i, i + HEALTHY.window);
    const contiguous = run.every((s, k) => s.t === (run[0]?.t ?? 0) + k);
    if (contiguous && run.every(healthy)) {
      mttrSec = (run[0]?.t ?? faultEndSec) - faultEndSec;
      break;
    }
  }
  return {
    timeToDetectSec: firstBad ? firstBad.t - faultStartSec : null,
    mttrSec,
    degradedSeconds: series.filter((s) => s.t >= faultStartSec && !healthy(s)).length,
    recovered: mttrSec !== null,
  };
}
