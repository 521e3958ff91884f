import { CLIENT_MODELS, ClientModel, resolveClientModel, SIM_TASK_ALIASES } from './client-model';

/** A validated load test: the runbook's positional arguments plus its environment. */
export interface RunSpec {
  runId: string;
  totalConnections: number;
  partitions: number;
  connectParallelism: number;
  /** Messages per second per connection. */
  mps: number;
  durationSec: number;
  qos: 0 | 1 | 2;
  model: ClientModel;
  maxAttempts: number;
  minParallelism: number;
  maxPartitions: number;
  partTimeoutSec: number;
  requireBusinessSummary: boolean;
  brokerUrl: string;
}

/** Raw input, as strings from a CLI or environment, or numbers from JSON. */
export type RunSpecInput = Partial<Record<keyof RunSpec, unknown>>;

/** Limits each argument is checked against; the messages quote them. */
export const RUN_SPEC_LIMITS = {
  totalConnections: { min: 1, max: 200_000 },
  partitions: { min: 1, max: 256 },
  connectParallelism: { min: 1, max: 10_000 },
  mps: { min: 0.001, max: 1000 },
  durationSec: { min: 1, max: 86_400 },
  maxAttempts: { min: 1, max: 20 },
  minParallelism: { min: 1, max: 10_000 },
  maxPartitions: { min: 1, max: 256 },
  partTimeoutSec: { min: 5, max: 172_800 },
} as const;

export const RUN_SPEC_DEFAULTS = {
  maxAttempts: 4,
  minParallelism: 40,
  maxPartitions: 6,
  /** PART_TIMEOUT_SECONDS defaults to the duration plus this many seconds. */
  partTimeoutGraceSec: 120,
  brokerUrl: 'mqtt://127.0.0.1:1883',
} as const;

/** One thing wrong with the input, naming the argument and what it allows. */
export interface RunSpecProblem {
  field: keyof RunSpec;
  message: string;
}

/** Bad arguments; `problems` names each one. Callers exit with code 2 and enqueue nothing. */
export class RunSpecError extends Error {
  readonly code = 'INVALID_RUN_SPEC';
  constructor(readonly problems: readonly RunSpecProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
    this.name = 'RunSpecError';
  }
}

const RUN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** `YYYYMMDD-HHMMSS` in UTC, the runbook's default run id. */
export function defaultRunId(now: Date = new Date()): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}

function isBlank(raw: unknown): boolean {
  return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}

/**
 * Validates raw input into a {@link RunSpec}, applying the runbook's defaults.
 * @throws RunSpecError naming every bad argument and its allowed range.
 */
export function parseRunSpec(input: RunSpecInput, now: Date = new Date()): RunSpec {
  const problems: RunSpecProblem[] = [];
  const num = (
    field: keyof typeof RUN_SPEC_LIMITS,
    integer: boolean,
    fallback?: number,
  ): number => {
    const raw = input[field];
    const { min, max } = RUN_SPEC_LIMITS[field];
    const kind = integer ? 'an integer' : 'a number';
    if (isBlank(raw)) {
      if (fallback !== undefined) {
        return fallback;
      }
      problems.push({ field, message: `${field} is required: ${kind} in ${min}..${max}` });
      return NaN;
    }
    const value =
      typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
    if (
      !Number.isFinite(value) ||
      (integer && !Number.isInteger(value)) ||
      value < min ||
      value > max
    ) {
      problems.push({
        field,
        message: `${field} must be ${kind} in ${min}..${max} (got ${JSON.stringify(raw)})`,
      });
    }
    return value;
  };

  const totalConnections = num('totalConnections', true);
  const partitions = num('partitions', true);
  const connectParallelism = num('connectParallelism', true);
  const mps = num('mps', false);
  const durationSec = num('durationSec', true);
  const maxAttempts = num('maxAttempts', true, RUN_SPEC_DEFAULTS.maxAttempts);
  const minParallelism = num('minParallelism', true, RUN_SPEC_DEFAULTS.minParallelism);
  const maxPartitions = num('maxPartitions', true, RUN_SPEC_DEFAULTS.maxPartitions);
  const partTimeoutSec = num(
    'partTimeoutSec',
    true,
    (Number.isFinite(durationSec) ? durationSec : 0) + RUN_SPEC_DEFAULTS.partTimeoutGraceSec,
  );

  let qos: 0 | 1 | 2 = 1;
  const rawQos = input.qos;
  if (isBlank(rawQos) || !['0', '1', '2'].includes(String(rawQos).trim())) {
    problems.push({
      field: 'qos',
      message: `qos must be 0, 1 or 2 (got ${JSON.stringify(rawQos)})`,
    });
  } else {
    qos = Number(String(rawQos).trim()) as 0 | 1 | 2;
  }

  let model: ClientModel = CLIENT_MODELS[0];
  if (!isBlank(input.model)) {
    const resolved = resolveClientModel(String(input.model).trim());
    if (resolved === undefined) {
      const allowed = [...CLIENT_MODELS, ...Object.keys(SIM_TASK_ALIASES)].join(', ');
      problems.push({
        field: 'model',
        message: `SIM_TASK/model must be one of ${allowed} (got ${JSON.stringify(input.model)})`,
      });
    } else {
      model = resolved;
    }
  }

  const runId = isBlank(input.runId) ? defaultRunId(now) : String(input.runId).trim();
  if (!RUN_ID_PATTERN.test(runId)) {
    problems.push({
      field: 'runId',
      message: `runId must be 1..100 letters, digits, ".", "_" or "-", starting with a letter or digit (got ${JSON.stringify(input.runId)})`,
    });
  }

  const brokerUrl = isBlank(input.brokerUrl)
    ? RUN_SPEC_DEFAULTS.brokerUrl
    : String(input.brokerUrl).trim();
  if (!/^(mqtt|tcp):\/\/[^/:]+(:\d{1,5})?\/?$/.test(brokerUrl)) {
    problems.push({
      field: 'brokerUrl',
      message: `brokerUrl must look like mqtt://host:port (got ${JSON.stringify(brokerUrl)})`,
    });
  }

  const rawRequire = input.requireBusinessSummary;
  const requireText = isBlank(rawRequire) ? '0' : String(rawRequire).trim().toLowerCase();
  if (!['0', '1', 'true', 'false'].includes(requireText)) {
    problems.push({
      field: 'requireBusinessSummary',
      message: `REQUIRE_BUSINESS_SUMMARY must be 0 or 1 (got ${JSON.stringify(rawRequire)})`,
    });
  }

  if (
    Number.isInteger(partitions) &&
    Number.isInteger(totalConnections) &&
    partitions > totalConnections
  ) {
    problems.push({
      field: 'partitions',
      message: `partitions must be at most totalConnections (${totalConnections}); got ${partitions}`,
    });
  }
  const isValid = (field: keyof RunSpec): boolean => !problems.some((p) => p.field === field);
  if (isValid('mps') && isValid('durationSec') && Math.floor(mps * durationSec) < 1) {
    problems.push({
      field: 'mps',
      message: `mps x durationSec must give at least one message per connection (got ${mps} x ${durationSec})`,
    });
  }
  if (problems.length > 0) {
    throw new RunSpecError(problems);
  }
  return {
    runId,
    totalConnections,
    partitions,
    connectParallelism,
    mps,
    durationSec,
    qos,
    model,
    maxAttempts,
    minParallelism,
    maxPartitions,
    partTimeoutSec,
    requireBusinessSummary: requireText === '1' || requireText === 'true',
    brokerUrl,
  };
}
