import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type BusinessSummary,
  type ConnectionSummary,
  type FailureCounts,
  gateCheck,
  SLO_TARGETS,
  type SloVerdict,
} from '@sousvide/loadtest-contracts';
import type { LatencyStats } from '@sousvide/shared-util';
import type { CpuBudget } from '../cpu-budget/cpu-budget';
import { type AttemptGate, attemptVerdict } from '../run/attempt-verdict';

/**
 * One run as the runbook's methods (crosscheck, capacity, diff) see it: its last attempt, read
 * from the files a run writes. The only place that knows those files' shape, so a change to the
 * verdict (run.json, business-summary.json) is adapted here and nowhere else.
 */
export interface RunRecord {
  runId: string;
  /** The attempt folder read (the run's last attempt). */
  dir: string;
  attempt: number;
  shape: { connections: number; mps: number; qos: 0 | 1 | 2; durationSec: number; model: string };
  passed: boolean;
  /**
   * What failed: `generator` (an attempt failed: parts, connects, publishes; exit 1) or `backend`
   * (the generator was fine but an SLO or the loss accounting failed; the gate). Absent: passed.
   */
  failedOn?: 'generator' | 'backend';
  reasons: string[];
  generator: {
    saturated: boolean;
    connectSaturated: boolean;
    reasons: string[];
    /** The busiest agent's CPU over the publish window, % of one core. */
    cpuPercentMax: number;
    eventLoopLagP99MsMax: number;
  };
  published: number;
  failed: number;
  connected: number;
  connectFailed: number;
  throughput: number;
  offeredRate: number;
  connectRate: number;
  connectLatency: LatencyStats;
  ackLatency: LatencyStats;
  /** Non-zero failure counts by phase and class, e.g. `{ 'connect.connect_refused': 10 }`. */
  failures: Record<string, number>;
  backend?: {
    recv: number;
    e2eLatency: LatencyStats;
    stages: Record<string, LatencyStats>;
    slo: SloVerdict[];
    lost?: number;
  };
  cpu?: CpuBudget;
}

/** The part of run.json read here; `gate` is absent from runs written before ADR 0017. */
interface RunJson {
  spec: { runId: string };
  attempt: number;
  gate?: Pick<AttemptGate, 'gated'>;
}

function readJson<T>(path: string): T | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

/** A run id under `artifactsRoot`, or a path to a run folder; its last attempt's folder. */
export function lastAttemptDir(artifactsRoot: string, run: string): string {
  const runDir = run.includes('/') ? run : join(artifactsRoot, run);
  const attempts = existsSync(runDir)
    ? readdirSync(runDir)
        .map((name) => /^attempt-(\d+)$/.exec(name)?.[1])
        .filter((n): n is string => n !== undefined)
        .map(Number)
        .filter((n) => existsSync(join(runDir, `attempt-${n}`, 'run.json')))
    : [];
  if (attempts.length === 0) {
    throw new Error(`no run at ${runDir} (no attempt-<n>/run.json there)`);
  }
  return join(runDir, `attempt-${Math.max(...attempts)}`);
}

function nonZeroFailures(byPhase: Record<string, FailureCounts>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [phase, counts] of Object.entries(byPhase)) {
    for (const [cls, n] of Object.entries(counts)) {
      if (n > 0) {
        out[`${phase}.${cls}`] = n;
      }
    }
  }
  return out;
}

/**
 * Summaries written before the gate (ADR 0017) judged SLOs without a kind or margin: recomputed
 * from their own figures, so old and new runs read alike.
 */
function withGateChecks(b: BusinessSummary): BusinessSummary {
  return {
    ...b,
    slo: b.slo.map((s) => (s.kind ? s : gateCheck({ ...s, kind: 'slo' }))),
    slo_targets: b.slo_targets ?? SLO_TARGETS,
  };
}

/** Reads the last attempt of a run (see {@link lastAttemptDir}). */
export function readRunRecord(artifactsRoot: string, run: string): RunRecord {
  const dir = lastAttemptDir(artifactsRoot, run);
  const runJson = readJson<RunJson>(join(dir, 'run.json'));
  const c = readJson<ConnectionSummary>(join(dir, 'connection-summary.json'));
  if (!runJson || !c) {
    throw new Error(`${dir} has no connection-summary.json: the attempt did not finish`);
  }
  return runRecordOf(
    dir,
    runJson,
    c,
    readJson<BusinessSummary>(join(dir, 'business-summary.json')),
    readJson<CpuBudget>(join(dir, 'cpu-budget.json')),
  );
}

export function runRecordOf(
  dir: string,
  runJson: RunJson,
  c: ConnectionSummary,
  recorded: BusinessSummary | undefined,
  cpu: CpuBudget | undefined,
): RunRecord {
  const b = recorded && withGateChecks(recorded);
  // The run's own verdict (gated as the run was), so a method judges a run as its exit code did.
  const verdict = attemptVerdict({
    generatorReasons: c.failure_reasons,
    business: b,
    generatorSaturated: c.generator_saturated,
    gated: runJson.gate?.gated ?? true,
    targets: b?.slo_targets ?? SLO_TARGETS,
  });
  const gens = c.parts.map((p) => p.generator).filter((g) => g !== undefined);
  return {
    runId: runJson.spec.runId,
    dir,
    attempt: runJson.attempt,
    shape: {
      connections: c.devices,
      mps: c.mps_per_connection,
      qos: c.qos,
      durationSec: c.duration_sec,
      model: c.model,
    },
    passed: verdict.status === 'passed',
    ...(verdict.status === 'failed' ? { failedOn: 'generator' as const } : {}),
    ...(verdict.status === 'gate_failed' ? { failedOn: 'backend' as const } : {}),
    reasons: verdict.reasons,
    generator: {
      saturated: c.generator_saturated,
      connectSaturated: c.connect_generator_saturated ?? false,
      reasons: c.generator_reasons ?? [],
      cpuPercentMax: Math.max(0, ...gens.map((g) => g.cpuPercent)),
      eventLoopLagP99MsMax: Math.max(0, ...gens.map((g) => g.eventLoopLagP99Ms)),
    },
    published: c.published_total,
    failed: c.failed_total,
    connected: c.connected_total,
    connectFailed: c.connect_failed_total,
    throughput: c.throughput_total,
    offeredRate: c.offered_rate,
    connectRate: c.connect_rate_per_sec,
    connectLatency: c.connect_latency_ms,
    ackLatency: c.publish_ack_latency_ms,
    failures: nonZeroFailures(c.failures_by_class),
    ...(b
      ? {
          backend: {
            recv: b.recv_total,
            e2eLatency: b.e2e_latency_ms,
            stages: (b.stage_latency_ms ?? {}) as Record<string, LatencyStats>,
            slo: b.slo,
            ...(b.accounting ? { lost: b.accounting.lost } : {}),
          },
        }
      : {}),
    ...(cpu ? { cpu } : {}),
  };
}
