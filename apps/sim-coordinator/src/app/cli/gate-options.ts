import { z } from 'zod';
import {
  parseSloTargets,
  SLO_TARGET_OPTIONS,
  SLO_TARGETS,
  type SloTargets,
} from '@sousvide/loadtest-contracts';
import { numberOption, textOptions, validateOptions } from '@sousvide/shared-util';
import type { CoordinatorEnv } from '../config/env.schema';
import type { DrainOptions } from '../run/business-summary.collector';
import type { GateSettings } from '../run/attempt-verdict';

const FIELDS = Object.keys(SLO_TARGET_OPTIONS) as (keyof SloTargets)[];
const flag = (f: keyof SloTargets): string => SLO_TARGET_OPTIONS[f].flag;

/** The gate's and the drain's options, beside the run's own (see cli-args). */
export const GATE_OPTIONS = {
  ...textOptions(
    'slo-success',
    'slo-parse',
    'slo-influx',
    'slo-redis',
    'slo-p95',
    'drain-max',
    'drain-stall',
  ),
  'no-gate': { type: 'boolean', default: false },
} as const;

export const GATE_HELP = `Verdict (exit 3 when the run completed but a check failed; ADR 0017):
  --slo-success PCT       ingestion success >= PCT % of published          [SLO_SUCCESS_PCT, ${SLO_TARGETS.ingestionSuccessPct}]
  --slo-parse PCT         parse failures < PCT % of received            [SLO_PARSE_FAIL_PCT, ${SLO_TARGETS.parseFailurePct}]
  --slo-influx PCT        Influx write failures < PCT %                [SLO_INFLUX_FAIL_PCT, ${SLO_TARGETS.influxFailurePct}]
  --slo-redis PCT         Redis heartbeat failures < PCT %              [SLO_REDIS_FAIL_PCT, ${SLO_TARGETS.redisFailurePct}]
  --slo-p95 MS            p95 end-to-end ingest latency < MS                  [SLO_P95_MS, ${SLO_TARGETS.p95LatencyMs}]
  --no-gate               report the checks without gating: exit 0 when the attempt ran
                          (JUDGE_SLO=0 is the same)
  --drain-max N           longest wait for the backlog after publishing, s [DRAIN_WINDOW_SEC, 120]
  --drain-stall N         stop waiting once nothing new arrived for N s      [DRAIN_STALL_SEC, 10]
  Lost messages (published, and neither stored, dead-lettered, spooled nor measured in flight
  at the broker or a gateway) always fail the gate.`;

/** The parsed command line's values (text, and the boolean --no-gate). */
type GateValues = Record<string, string | boolean | undefined>;

const drainSchema = z.object({
  'drain-max': numberOption(
    { min: 0, max: 3600, integer: true },
    (raw) => `--drain-max must be a whole number of seconds 0..3600 (got "${raw}")`,
  ).optional(),
  'drain-stall': numberOption(
    { min: 1, max: 600, integer: true },
    (raw) => `--drain-stall must be a whole number of seconds 1..600 (got "${raw}")`,
  ).optional(),
});

/**
 * The gate and the drain from the flags, each falling back to its environment variable.
 * @throws UsageError naming the flag (and its variable) whose value is wrong.
 */
export function gateFromCli(
  v: GateValues,
  env: CoordinatorEnv,
): { gate: GateSettings; drain: Omit<DrainOptions, 'signal'> } {
  const raw: Partial<Record<keyof SloTargets, unknown>> = {};
  for (const f of FIELDS) {
    raw[f] = v[flag(f)] ?? env[SLO_TARGET_OPTIONS[f].env as keyof CoordinatorEnv];
  }
  const targets = parseSloTargets(raw, (f) =>
    v[flag(f)] !== undefined ? `--${flag(f)}` : SLO_TARGET_OPTIONS[f].env,
  );
  const d = validateOptions(drainSchema, v);
  return {
    gate: { gated: !v['no-gate'] && env.JUDGE_SLO, targets },
    drain: {
      maxMs: (d['drain-max'] ?? env.DRAIN_WINDOW_SEC) * 1000,
      stallMs: (d['drain-stall'] ?? env.DRAIN_STALL_SEC) * 1000,
    },
  };
}
