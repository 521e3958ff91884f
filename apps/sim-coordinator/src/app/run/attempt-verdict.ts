import {
  describeCheck,
  gateCheck,
  type BusinessSummary,
  type GateCheck,
  type SloTargets,
} from '@sousvide/loadtest-contracts';

/**
 * `failed`: the attempt itself failed (generator, agents, timeouts): exit 1, retried.
 * `gate_failed`: it ran, but an SLO or the loss accounting failed: exit 3, not retried.
 */
export type AttemptStatus = 'passed' | 'failed' | 'gate_failed';

/** How a run is judged: its SLO targets, and whether the checks gate the exit code. */
export interface GateSettings {
  gated: boolean;
  targets: SloTargets;
}

/** The gate of one attempt: its targets and every check, passed or not (run.json, --json, API). */
export interface AttemptGate {
  /** false with --no-gate / JUDGE_SLO=0: the checks are reported and decide nothing. */
  gated: boolean;
  pass: boolean;
  targets: SloTargets;
  checks: GateCheck[];
}

/** An attempt's verdict from its generator-side reasons and its backend result. */
export interface AttemptVerdict {
  status: AttemptStatus;
  /** Every reason, the generator's first, then each failed check by name, figure and target. */
  reasons: string[];
  /**
   * Whether the retry policy applies: only generator-side failures. A gentler generator shape
   * does not make the backend faster, so an attempt failed by its gate alone is not retried.
   */
  retry: boolean;
  gate: AttemptGate;
}

/** The SLOs and `lost == 0`, in that order; none when no gateway counted the attempt. */
export function gateChecks(business: BusinessSummary | undefined): GateCheck[] {
  if (!business) {
    return [];
  }
  const acc = business.accounting;
  const lost = acc
    ? [
        gateCheck({
          name: 'lost messages',
          kind: 'accounting',
          measured: acc.lost,
          comparison: '<=',
          target: 0,
          unit: 'messages',
        }),
      ]
    : [];
  return [...business.slo, ...lost];
}

/**
 * The backend's half of the verdict: a run that missed an SLO or lost messages must not print
 * PASSED (issues 10 and 14). Each line names the check, what was measured, the target and the miss.
 */
export function gateReasons(
  checks: GateCheck[],
  business: BusinessSummary | undefined,
  generatorSaturated: boolean,
): string[] {
  const missed = checks
    .filter((c) => !c.pass)
    .map((c) => `${c.kind === 'slo' ? 'SLO' : 'accounting'} missed: ${c.name} ${describeCheck(c)}`);
  if (business && business.recv_total === 0) {
    missed.unshift('SLO missed: the gateways received none of this run');
  }
  if (missed.length > 0 && generatorSaturated) {
    missed.push(
      'the generator saturated during this attempt: the SLO misses are not a backend result alone',
    );
  }
  return missed;
}

export function attemptVerdict(input: {
  generatorReasons: string[];
  business: BusinessSummary | undefined;
  generatorSaturated: boolean;
  gated: boolean;
  targets: SloTargets;
}): AttemptVerdict {
  const { generatorReasons, business, gated } = input;
  const checks = gateChecks(business);
  const missed = gateReasons(checks, business, input.generatorSaturated);
  const gatePass = checks.every((c) => c.pass) && business?.recv_total !== 0;
  const status: AttemptStatus =
    generatorReasons.length > 0 ? 'failed' : gated && !gatePass ? 'gate_failed' : 'passed';
  return {
    status,
    reasons: [...generatorReasons, ...(gated ? missed : [])],
    retry: generatorReasons.length > 0,
    gate: { gated, pass: gatePass, targets: input.targets, checks },
  };
}
