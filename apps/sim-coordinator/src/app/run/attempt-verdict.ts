import type { BusinessSummary } from '@sousvide/loadtest-contracts';

/** An attempt's verdict from its generator-side reasons and its backend result. */
export interface AttemptVerdict {
  status: 'passed' | 'failed';
  /** Every reason, the generator's first, then each missed SLO by name, figure and target. */
  reasons: string[];
  /**
   * Whether the retry policy applies: only generator-side failures. A gentler generator shape
   * does not make the backend faster, so an attempt failed by its SLOs alone is not retried.
   */
  retry: boolean;
}

/**
 * The backend's half of the verdict: a run that missed an SLO must not print PASSED (issue 10:
 * a 578 ms p95 did). Each line names the SLO, what was measured and the target.
 */
export function sloReasons(business: BusinessSummary, generatorSaturated: boolean): string[] {
  const missed = business.slo
    .filter((v) => !v.pass)
    .map(
      (v) =>
        `SLO missed: ${v.name} ${v.measured}${v.unit} (target ${v.comparison} ${v.target}${v.unit})`,
    );
  if (business.recv_total === 0) {
    missed.unshift('SLO missed: the gateways received none of this run');
  }
  if (missed.length > 0 && generatorSaturated) {
    missed.push(
      'the generator saturated during this attempt: the SLO misses are not a backend result alone',
    );
  }
  return missed;
}

export function attemptVerdict(
  generatorReasons: string[],
  business: BusinessSummary | undefined,
  generatorSaturated: boolean,
): AttemptVerdict {
  const reasons = [
    ...generatorReasons,
    ...(business ? sloReasons(business, generatorSaturated) : []),
  ];
  return {
    status: reasons.length === 0 ? 'passed' : 'failed',
    reasons,
    retry: generatorReasons.length > 0,
  };
}
