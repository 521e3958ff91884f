import { parseDecimal, UsageError } from '@sousvide/shared-util';

/** The SLO targets a run is judged against (the runbook's defaults, settable per run). */
export interface SloTargets {
  /** Ingestion success, % of what was published: at least this. */
  ingestionSuccessPct: number;
  /** Parse failures, % of received: below this. */
  parseFailurePct: number;
  /** Influx write failures, % of write attempts: below this. */
  influxFailurePct: number;
  /** Redis heartbeat failures, % of attempts: below this. */
  redisFailurePct: number;
  /** p95 end-to-end ingest latency, ms: below this. */
  p95LatencyMs: number;
}

/** docs/architecture.md section 6 (the runbook's SLOs). */
export const SLO_TARGETS: Readonly<SloTargets> = {
  ingestionSuccessPct: 99.9,
  parseFailurePct: 0.1,
  influxFailurePct: 0.5,
  redisFailurePct: 0.5,
  p95LatencyMs: 200,
};

/**
 * Each target's CLI flag, environment variable and range. A rate target of 0 would make "below"
 * unreachable, so rates below are > 0; a latency target may be any positive figure (0.001 ms
 * makes a run fail on purpose).
 */
export const SLO_TARGET_OPTIONS: Record<
  keyof SloTargets,
  { flag: string; env: string; min: number; max: number; minExclusive: boolean }
> = {
  ingestionSuccessPct: {
    flag: 'slo-success',
    env: 'SLO_SUCCESS_PCT',
    min: 0,
    max: 100,
    minExclusive: false,
  },
  parseFailurePct: {
    flag: 'slo-parse',
    env: 'SLO_PARSE_FAIL_PCT',
    min: 0,
    max: 100,
    minExclusive: true,
  },
  influxFailurePct: {
    flag: 'slo-influx',
    env: 'SLO_INFLUX_FAIL_PCT',
    min: 0,
    max: 100,
    minExclusive: true,
  },
  redisFailurePct: {
    flag: 'slo-redis',
    env: 'SLO_REDIS_FAIL_PCT',
    min: 0,
    max: 100,
    minExclusive: true,
  },
  p95LatencyMs: { flag: 'slo-p95', env: 'SLO_P95_MS', min: 0, max: 3_600_000, minExclusive: true },
};

/**
 * Targets from raw text or numbers (flags, environment, JSON), each defaulting to the runbook's.
 * `label` names a field as the caller's user knows it (`--slo-p95`, `slo.p95LatencyMs`).
 * @throws UsageError naming every bad target, what was given and the allowed range.
 */
export function parseSloTargets(
  input: Partial<Record<keyof SloTargets, unknown>>,
  label: (field: keyof SloTargets) => string,
): SloTargets {
  const targets = { ...SLO_TARGETS };
  const problems: string[] = [];
  for (const field of Object.keys(SLO_TARGET_OPTIONS) as (keyof SloTargets)[]) {
    const raw = input[field];
    if (raw === undefined || raw === null) {
      continue;
    }
    const { min, max, minExclusive } = SLO_TARGET_OPTIONS[field];
    const n =
      typeof raw === 'number'
        ? raw
        : typeof raw === 'string'
          ? (parseDecimal(raw, false) ?? NaN)
          : NaN;
    if (!Number.isFinite(n) || n > max || (minExclusive ? n <= min : n < min)) {
      const range = minExclusive ? `above ${min} and at most ${max}` : `${min}..${max}`;
      problems.push(`${label(field)} must be a number ${range} (got ${JSON.stringify(raw)})`);
      continue;
    }
    targets[field] = n;
  }
  if (problems.length > 0) {
    throw new UsageError(problems.join('\n'));
  }
  return targets;
}
