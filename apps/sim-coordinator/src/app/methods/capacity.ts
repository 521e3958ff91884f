import { RUN_SPEC_LIMITS } from '@sousvide/loadtest-contracts';
import type { RunRecord } from './run-record.reader';

/** How `loadtest capacity` grows the load from one step to the next. */
export interface CapacityPlan {
  dimension: 'connections' | 'mps';
  start: number;
  /** Multiply by `factor`, or add `increment`, per step. */
  factor?: number;
  increment?: number;
  maxSteps: number;
}

/**
 * The load of each step, strictly growing, within the run spec's limits (fewer steps than
 * `maxSteps` when the limit comes first). Connections are whole; msg/s keeps 3 decimals.
 */
export function capacitySteps(plan: CapacityPlan): number[] {
  const max =
    plan.dimension === 'connections'
      ? RUN_SPEC_LIMITS.totalConnections.max
      : RUN_SPEC_LIMITS.mps.max;
  const round = (v: number): number =>
    plan.dimension === 'connections' ? Math.round(v) : Math.round(v * 1000) / 1000;
  const steps = [plan.start];
  while (steps.length < plan.maxSteps) {
    const prev = steps[steps.length - 1];
    const raw = plan.factor !== undefined ? prev * plan.factor : prev + (plan.increment ?? 0);
    const next = Math.max(round(raw), plan.dimension === 'connections' ? prev + 1 : prev + 0.001);
    if (next > max) {
      break;
    }
    steps.push(next);
  }
  return steps;
}

export type Stage = 'generator' | 'broker' | 'gateway' | 'store' | 'unknown';

/** The gateway's stages (INGEST_STAGES) by the part of the stack whose time they measure. */
const STAGE_OWNER: Record<string, Stage> = {
  broker: 'broker',
  store: 'store',
  heartbeat: 'store',
  queue: 'gateway',
  dlq: 'gateway',
  settle: 'gateway',
  ack: 'gateway',
};

/** Failure classes a broker causes (refusing, timing out, dropping) vs the generator's host. */
const BROKER_CLASSES = [
  // A send that fell due while its device was reconnecting: the broker had dropped the connection.
  'not_connected',
  'connect_refused',
  'connack_rejected',
  'connect_timeout',
  'broker_disconnect',
  'publish_timeout',
  'keepalive_timeout',
];
const GENERATOR_CLASSES = ['emfile', 'eaddrnotavail'];

export interface Bottleneck {
  stage: Stage;
  why: string;
}

/** Which part of the stack gave out at the failing step, from the figures it left. */
export function bottleneckOf(failing: RunRecord, lastPassing?: RunRecord): Bottleneck {
  if (failing.generator.saturated) {
    return { stage: 'generator', why: failing.generator.reasons[0] ?? 'the generator saturated' };
  }
  if (failing.failedOn === 'generator') {
    const classes = Object.entries(failing.failures).sort((x, y) => y[1] - x[1]);
    const [top] = classes;
    const cls = top?.[0].split('.')[1] ?? '';
    // Connects that timed out while the agent was CPU-bound connecting: the agent was too slow.
    const agentBoundTimeouts = cls === 'connect_timeout' && failing.generator.connectSaturated;
    const stage =
      GENERATOR_CLASSES.includes(cls) || agentBoundTimeouts
        ? 'generator'
        : BROKER_CLASSES.includes(cls)
          ? 'broker'
          : 'unknown';
    return { stage, why: top ? `most failures were ${top[0]} (${top[1]})` : failing.reasons[0] };
  }
  const stages = Object.entries(failing.backend?.stages ?? {});
  if (stages.length === 0) {
    return { stage: 'unknown', why: 'no per-stage figures in business-summary.json' };
  }
  const before = lastPassing?.backend?.stages ?? {};
  const growth = stages
    .map(([name, s]) => ({ name, p95: s.p95, grew: s.p95 - (before[name]?.p95 ?? 0) }))
    .sort((x, y) => y.grew - x.grew);
  const top = growth[0];
  return {
    stage: STAGE_OWNER[top.name] ?? 'unknown',
    why:
      `stage "${top.name}" p95 ${top.p95} ms` +
      (lastPassing
        ? ` (+${Math.round(top.grew * 1000) / 1000} ms over the last passing step)`
        : '') +
      ', the largest',
  };
}

export interface CapacityStep {
  step: number;
  load: number;
  runId: string;
  passed: boolean;
  saturated: boolean;
  reasons: string[];
  throughput: number;
  offeredRate: number;
  e2eP95Ms?: number;
}

export interface Knee {
  lastPassing?: CapacityStep;
  firstFailing?: CapacityStep;
  /** The first failing step's missed SLO furthest beyond its target (measured/target). */
  sloBrokeFirst?: string;
  bottleneck?: Bottleneck;
  /** What ended the search. */
  stoppedBy:
    | 'slo_or_accounting'
    | 'generator_failed'
    | 'generator_saturated'
    | 'max_steps'
    /** The next step's plan was refused by the preflight: this machine cannot generate it. */
    | 'preflight_refused';
}

export function stepOf(step: number, load: number, r: RunRecord): CapacityStep {
  return {
    step,
    load,
    runId: r.runId,
    passed: r.passed,
    // The publish phase only: a CPU-bound connect phase bounds the connect rate, not the step.
    saturated: r.generator.saturated,
    reasons: r.reasons,
    throughput: r.throughput,
    offeredRate: r.offeredRate,
    ...(r.backend ? { e2eP95Ms: r.backend.e2eLatency.p95 } : {}),
  };
}

/** A step that ends the search: it failed, or its generator could not offer the load. */
export const endsSearch = (s: CapacityStep): boolean => !s.passed || s.saturated;

function worstSlo(r: RunRecord): string | undefined {
  const over = (s: { measured: number; target: number; comparison: string }): number =>
    s.comparison === '<'
      ? s.measured / Math.max(s.target, 1e-9)
      : s.target / Math.max(s.measured, 1e-9);
  const missed = (r.backend?.slo ?? []).filter((s) => !s.pass).sort((x, y) => over(y) - over(x));
  const s = missed[0];
  return s
    ? `${s.name} ${s.measured}${s.unit} (target ${s.comparison} ${s.target}${s.unit})`
    : undefined;
}

/** `refused`: the preflight's refusal of the step after the last one run, if that ended it. */
export function kneeOf(steps: CapacityStep[], records: RunRecord[], refused?: string): Knee {
  const i = steps.findIndex(endsSearch);
  if (i < 0 && refused) {
    return {
      lastPassing: steps[steps.length - 1],
      bottleneck: { stage: 'generator', why: `the next step was not started: ${refused}` },
      stoppedBy: 'preflight_refused',
    };
  }
  if (i < 0) {
    return { lastPassing: steps[steps.length - 1], stoppedBy: 'max_steps' };
  }
  const failing = records[i];
  const lastPassing = i > 0 ? steps[i - 1] : undefined;
  const slo = worstSlo(failing);
  return {
    ...(lastPassing ? { lastPassing } : {}),
    firstFailing: steps[i],
    ...(slo ? { sloBrokeFirst: slo } : {}),
    bottleneck: bottleneckOf(failing, i > 0 ? records[i - 1] : undefined),
    stoppedBy: steps[i].saturated
      ? 'generator_saturated'
      : failing.failedOn === 'generator'
        ? 'generator_failed'
        : 'slo_or_accounting',
  };
}

/**
 * 0: a knee in the backend was found (or every step passed); 3: the first step already failed on
 * the backend; 1: the generator was the limit or the cause is unknown with no step passing.
 */
export function capacityExitCode(k: Knee): number {
  const stage = k.bottleneck?.stage;
  if (k.stoppedBy === 'max_steps') {
    return 0;
  }
  if (stage === 'generator') {
    return 1;
  }
  if (k.lastPassing) {
    return 0;
  }
  return stage === 'unknown' ? 1 : 3;
}
