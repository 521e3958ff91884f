import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type {
  BusinessSummary,
  ConnectionSummary,
  FailureCounts,
  SloVerdict,
} from '@sousvide/loadtest-contracts';
import type { LatencyStats } from '@sousvide/shared-util';
import type { CpuBudget } from '../cpu-budget/cpu-budget';

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

/** The backend half of the verdict: every SLO met, something received, nothing lost. */
function backendMissed(b: BusinessSummary): string[] {
  return [
    ...(b.recv_total === 0 ? ['the gateways received none of this run'] : []),
    ...b.slo.filter((s) => !s.pass).map((s) => `SLO missed: ${s.name} ${s.measured}${s.unit}`),
    ...((b.accounting?.lost ?? 0) > 0 ? [`accounting: lost ${b.accounting?.lost}`] : []),
  ];
}

/** Reads the last attempt of a run (see {@link lastAttemptDir}). */
export function readRunRecord(artifactsRoot: string, run: string): RunRecord {
  const dir = lastAttemptDir(artifactsRoot, run);
  const runJson = readJson<{ spec: { runId: string }; attempt: number; reasons?: string[] }>(
    join(dir, 'run.json'),
  );
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
  runJson: { spec: { runId: string }; attempt: number; reasons?: string[] },
  c: ConnectionSummary,
  b: BusinessSummary | undefined,
  cpu: CpuBudget | undefined,
): RunRecord {
  const generatorFailed = c.status === 'failed';
  const missed = b ? backendMissed(b) : [];
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
    passed: !generatorFailed && missed.length === 0,
    ...(generatorFailed ? { failedOn: 'generator' as const } : {}),
    ...(!generatorFailed && missed.length > 0 ? { failedOn: 'backend' as const } : {}),
    reasons: [...c.failure_reasons, ...missed],
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
