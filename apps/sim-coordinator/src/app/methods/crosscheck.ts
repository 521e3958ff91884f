import type { RunRecord } from './run-record.reader';

/**
 * The runbook's model cross-check: "If Paho fails and HiveMQ succeeds under same parameters,
 * classify as client-model bottleneck" and "Always include model cross-check before claiming
 * infra bottleneck". Here the two client models are mqttjs and lean.
 */
export type CrosscheckClass =
  | 'no_bottleneck'
  | 'client_model_bottleneck'
  | 'backend_bottleneck'
  | 'generator_saturated'
  | 'inconclusive';

/** Exit codes by class (the team's table: 0 passed, 1 generator side, 3 the backend's gate). */
export const CROSSCHECK_EXIT: Record<CrosscheckClass, number> = {
  no_bottleneck: 0,
  client_model_bottleneck: 1,
  generator_saturated: 1,
  inconclusive: 1,
  backend_bottleneck: 3,
};

export interface ModelEvidence {
  model: string;
  runId: string;
  dir: string;
  outcome: 'passed' | 'generator_saturated' | 'generator_failed' | 'backend_failed';
  reasons: string[];
  failures: Record<string, number>;
  connectLatencyMs: { p50: number; p95: number; p99: number };
  ackLatencyMs: { p50: number; p95: number; p99: number };
  connectRate: number;
  throughput: number;
  generator: RunRecord['generator'];
  sloMissed: string[];
  lost?: number;
}

export interface CrosscheckResult {
  class: CrosscheckClass;
  /** The model that failed where the other passed (client_model_bottleneck only). */
  failingModel?: string;
  explanation: string;
  models: ModelEvidence[];
}

const pcts = (s: { p50: number; p95: number; p99: number }) => ({
  p50: s.p50,
  p95: s.p95,
  p99: s.p99,
});

export function evidenceOf(r: RunRecord): ModelEvidence {
  // Only a saturated publish phase voids the backend result; a CPU-bound connect phase bounds
  // the connect rate alone (and is routine on a fast machine for a few connections).
  const outcome = r.generator.saturated
    ? 'generator_saturated'
    : r.passed
      ? 'passed'
      : r.failedOn === 'generator'
        ? 'generator_failed'
        : 'backend_failed';
  return {
    model: r.shape.model,
    runId: r.runId,
    dir: r.dir,
    outcome,
    reasons: r.reasons,
    failures: r.failures,
    connectLatencyMs: pcts(r.connectLatency),
    ackLatencyMs: pcts(r.ackLatency),
    connectRate: r.connectRate,
    throughput: r.throughput,
    generator: r.generator,
    sloMissed: (r.backend?.slo ?? []).filter((s) => !s.pass).map((s) => s.name),
    ...(r.backend?.lost !== undefined ? { lost: r.backend.lost } : {}),
  };
}

/** The failure's signature: the failure classes seen, or the SLOs missed (and loss). */
function signature(e: ModelEvidence): Set<string> {
  if (e.outcome === 'generator_failed') {
    return new Set(Object.keys(e.failures).map((k) => k.split('.')[1]));
  }
  return new Set([...e.sloMissed, ...((e.lost ?? 0) > 0 ? ['lost'] : [])]);
}

/** Failed alike: the same kind of failure, sharing at least one class or missed SLO. */
function alike(a: ModelEvidence, b: ModelEvidence): boolean {
  if (a.outcome !== b.outcome) {
    return false;
  }
  const sb = signature(b);
  const sa = [...signature(a)];
  return (sa.length === 0 && sb.size === 0) || sa.some((x) => sb.has(x));
}

export function classify(first: RunRecord, second: RunRecord): CrosscheckResult {
  const models = [evidenceOf(first), evidenceOf(second)];
  const [a, b] = models;
  const result = (c: CrosscheckClass, explanation: string, failingModel?: string) => ({
    class: c,
    ...(failingModel ? { failingModel } : {}),
    explanation,
    models,
  });
  if (a.outcome === 'passed' && b.outcome === 'passed') {
    return result('no_bottleneck', 'both client models passed at these parameters');
  }
  const passed = models.find((m) => m.outcome === 'passed');
  const other = models.find((m) => m.outcome !== 'passed');
  if (passed && other) {
    return result(
      'client_model_bottleneck',
      `${other.model} ${other.outcome.replace('_', ' ')} where ${passed.model} passed at the same parameters: ` +
        'the client model, not the backend, is the limit',
      other.model,
    );
  }
  if (models.some((m) => m.outcome === 'generator_saturated')) {
    return result(
      'generator_saturated',
      'a generator saturated and neither model passed: no verdict on the backend from these runs',
    );
  }
  if (alike(a, b)) {
    return result(
      'backend_bottleneck',
      `both models failed alike (${[...signature(a)].join(', ') || a.outcome}) with healthy generators: ` +
        'the backend or broker is the limit',
    );
  }
  return result(
    'inconclusive',
    `the models failed differently (${a.model}: ${a.outcome}, ${[...signature(a)].join(', ')}; ` +
      `${b.model}: ${b.outcome}, ${[...signature(b)].join(', ')}): repeat, or vary one parameter`,
  );
}
