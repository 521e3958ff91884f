import { z } from 'zod';
import {
  choiceOption,
  numberOption,
  textOptions,
  UsageError,
  validateOptions,
} from '@sousvide/shared-util';
import { CapacityPlan } from '../methods/capacity';
import { DIFF_DEFAULTS, DiffTolerances } from '../methods/diff';

/** Options of the runbook's methods, besides the run's own (see cli-args.ts). */
export const METHOD_OPTIONS = {
  ...textOptions(
    'step',
    'factor',
    'increment',
    'max-steps',
    'tolerance-rate',
    'tolerance-latency',
    'latency-floor',
  ),
  force: { type: 'boolean', default: false },
} as const;

export type MethodCommand = 'crosscheck' | 'capacity' | 'diff';

const OWNER: Record<keyof typeof METHOD_OPTIONS, MethodCommand> = {
  step: 'capacity',
  factor: 'capacity',
  increment: 'capacity',
  'max-steps': 'capacity',
  'tolerance-rate': 'diff',
  'tolerance-latency': 'diff',
  'latency-floor': 'diff',
  force: 'diff',
};

/**
 * Refuses an option given to a command it does not belong to, so `--force` on a capacity run or
 * `--connections` on a diff is an error instead of silently ignored.
 */
export function refuseForeignOptions(
  command: string,
  given: Record<string, unknown>,
  runOptions: readonly string[],
): void {
  for (const [name, value] of Object.entries(given)) {
    if (value === undefined || value === false || name === 'json' || name === 'help') {
      continue;
    }
    const owner = OWNER[name as keyof typeof OWNER] as string | undefined;
    const ok = owner ? owner === command : command !== 'diff' && runOptions.includes(name);
    if (!ok) {
      throw new UsageError(`--${name} does not apply to loadtest ${command}`);
    }
  }
}

const capacitySchema = z.object({
  step: choiceOption(
    ['connections', 'mps'],
    (raw) => `--step must be connections or mps (got "${raw}")`,
  ).default('connections'),
  factor: numberOption(
    { min: 1.01, max: 10 },
    (raw) => `--factor must be a number from 1.01 to 10 (got "${raw}")`,
  ).optional(),
  increment: numberOption(
    { min: 0.001, max: 200_000 },
    (raw) => `--increment must be a number from 0.001 to 200000 (got "${raw}")`,
  ).optional(),
  'max-steps': numberOption(
    { min: 2, max: 20, integer: true },
    (raw) => `--max-steps must be a whole number from 2 to 20 (got "${raw}")`,
  ).default(5),
});

/** The step plan; the start is the run's own --connections or --mps (checked with the spec). */
export function parseCapacityPlan(values: Record<string, unknown>): Omit<CapacityPlan, 'start'> {
  const v = validateOptions(capacitySchema, values);
  if (v.factor !== undefined && v.increment !== undefined) {
    throw new UsageError('give --factor or --increment, not both');
  }
  if (v.step === 'connections' && v.increment !== undefined && !Number.isInteger(v.increment)) {
    throw new UsageError(`--increment must be a whole number of connections (got ${v.increment})`);
  }
  return {
    dimension: v.step,
    ...(v.increment !== undefined ? { increment: v.increment } : { factor: v.factor ?? 2 }),
    maxSteps: v['max-steps'],
  };
}

const pctOption = (name: string, max: number) =>
  numberOption(
    { min: 0, max },
    (raw) => `--${name} must be a number from 0 to ${max} (got "${raw}")`,
  );

const diffSchema = z.object({
  'tolerance-rate': pctOption('tolerance-rate', 100).default(DIFF_DEFAULTS.ratePct),
  'tolerance-latency': pctOption('tolerance-latency', 10_000).default(DIFF_DEFAULTS.latencyPct),
  'latency-floor': pctOption('latency-floor', 60_000).default(DIFF_DEFAULTS.latencyFloorMs),
});

export function parseDiffArgs(
  runs: string[],
  values: Record<string, unknown>,
): { runs: [string, string]; tolerances: DiffTolerances } {
  if (runs.length !== 2) {
    throw new UsageError(`loadtest diff takes two run ids (got ${runs.length})`);
  }
  const v = validateOptions(diffSchema, values);
  return {
    runs: [runs[0], runs[1]],
    tolerances: {
      ratePct: v['tolerance-rate'],
      latencyPct: v['tolerance-latency'],
      latencyFloorMs: v['latency-floor'],
    },
  };
}
