import { brokerUrlProblem, parseDecimal } from '@sousvide/shared-util';
import { z } from 'zod';
import {
  CLIENT_MODELS,
  type ClientModel,
  resolveClientModel,
  SIM_TASK_ALIASES,
} from './client-model';
import { PUBLISH_LOOP_DEFAULTS, PUBLISH_LOOPS } from './publish-loop';
import { defaultRunId, RUN_ID_PATTERN, RUN_ID_RULE } from './run-id';
import {
  RUN_SPEC_DEFAULTS,
  RUN_SPEC_LIMITS,
  RunSpecError,
  type RunSpec,
  type RunSpecInput,
  type RunSpecProblem,
} from './run-spec';

type NumericField = keyof typeof RUN_SPEC_LIMITS;
const INTEGER_FIELDS: ReadonlySet<NumericField> = new Set([
  'totalConnections',
  'partitions',
  'connectParallelism',
  'durationSec',
  'maxAttempts',
  'minParallelism',
  'maxPartitions',
  'partTimeoutSec',
  'window',
]);
/** Model names and the runbook's SIM_TASK names for them. */
const MODEL_NAMES = [...CLIENT_MODELS, ...Object.keys(SIM_TASK_ALIASES)] as [string, ...string[]];

const isBlank = (raw: unknown): boolean =>
  raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
/** Text is trimmed; blank means absent. */
const text = (raw: unknown): unknown => (isBlank(raw) ? undefined : String(raw).trim());

/** A number, or the text of one in plain decimal (CLI, environment); blank means absent. */
function numeric(field: NumericField) {
  const { min, max } = RUN_SPEC_LIMITS[field];
  const n = z.number().min(min).max(max);
  return INTEGER_FIELDS.has(field) ? n.int() : n;
}
// Text that is no plain decimal becomes NaN, which the number schema refuses (messageFor says why).
const toNumber =
  (field: NumericField) =>
  (raw: unknown): unknown =>
    isBlank(raw)
      ? undefined
      : typeof raw === 'string'
        ? (parseDecimal(raw, INTEGER_FIELDS.has(field)) ?? NaN)
        : raw;
const required = (field: NumericField) => z.preprocess(toNumber(field), numeric(field));
const withDefault = (field: NumericField) =>
  z.preprocess(toNumber(field), numeric(field).optional());

/**
 * A broker the agents read (mqtt, tcp, mqtts, ssl; an IPv6 host in brackets; a port 1..65535),
 * without a user or password: the devices log in as themselves, and the URL goes into every job
 * and report. A URL holding one is not repeated in the message.
 */
function brokerUrlCheck(url: string, ctx: z.RefinementCtx): void {
  const problem = brokerUrlProblem(url, { credentials: false });
  if (problem !== undefined) {
    const got = url.includes('@') ? '' : ` (got ${JSON.stringify(url)})`;
    ctx.addIssue({ code: 'custom', message: `brokerUrl ${problem}${got}` });
  }
}

/** Whether a value passed its field's own check (the cross-field checks only look at those). */
function valid(field: NumericField, n: unknown): n is number {
  const { min, max } = RUN_SPEC_LIMITS[field];
  return (
    typeof n === 'number' &&
    n >= min &&
    n <= max &&
    (!INTEGER_FIELDS.has(field) || Number.isInteger(n))
  );
}

/** The run spec's fields; messages are made per field from the raw input (see messageFor). */
const runSpecSchema = z
  .object({
    totalConnections: required('totalConnections'),
    partitions: required('partitions'),
    connectParallelism: required('connectParallelism'),
    mps: required('mps'),
    durationSec: required('durationSec'),
    maxAttempts: withDefault('maxAttempts'),
    minParallelism: withDefault('minParallelism'),
    maxPartitions: withDefault('maxPartitions'),
    partTimeoutSec: withDefault('partTimeoutSec'),
    window: withDefault('window'),
    loop: z.preprocess(text, z.enum(PUBLISH_LOOPS).optional()),
    qos: z.preprocess(text, z.enum(['0', '1', '2'])).transform((q) => Number(q) as 0 | 1 | 2),
    model: z.preprocess(text, z.enum(MODEL_NAMES).optional()),
    runId: z.preprocess(text, z.string().regex(RUN_ID_PATTERN).optional()),
    brokerUrl: z.preprocess(text, z.string().superRefine(brokerUrlCheck).optional()),
    requireBusinessSummary: z
      .preprocess(
        (raw) => (isBlank(raw) ? '0' : String(raw).trim().toLowerCase()),
        z.enum(['0', '1', 'true', 'false']),
      )
      .transform((v) => v === '1' || v === 'true'),
  })
  // Across fields, checked whenever the fields involved are valid, so every problem shows at once.
  .superRefine(
    (v, ctx) => {
      const { totalConnections: total, partitions, mps, durationSec } = v;
      if (v.loop === 'closed' && v.qos === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['loop'],
          message:
            'loop closed needs qos 1 or 2: a QoS 0 publish has no acknowledgement to wait for',
        });
      }
      if (Number.isInteger(partitions) && Number.isInteger(total) && partitions > total) {
        ctx.addIssue({
          code: 'custom',
          path: ['partitions'],
          message: `partitions must be at most totalConnections (${total}); got ${partitions}`,
        });
      }
      const { partTimeoutSec } = v;
      if (
        partTimeoutSec !== undefined &&
        valid('partTimeoutSec', partTimeoutSec) &&
        valid('durationSec', durationSec) &&
        partTimeoutSec <= durationSec
      ) {
        // Every attempt would fail: a partition publishes for the whole duration, then drains.
        ctx.addIssue({
          code: 'custom',
          path: ['partTimeoutSec'],
          message: `partTimeoutSec must be longer than durationSec (${durationSec} s): a partition connects, publishes for the whole duration, then drains; got ${partTimeoutSec}`,
        });
      }
      if (
        valid('mps', mps) &&
        valid('durationSec', durationSec) &&
        Math.floor(mps * durationSec) < 1
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['mps'],
          message: `mps x durationSec must give at least one message per connection (got ${mps} x ${durationSec})`,
        });
      }
    },
    { when: () => true },
  );

/**
 * Validates raw input into a {@link RunSpec}, applying the runbook's defaults.
 * @throws RunSpecError naming every bad argument and its allowed range.
 */
export function parseRunSpec(input: RunSpecInput, now: Date = new Date()): RunSpec {
  const result = runSpecSchema.safeParse(input);
  if (!result.success) {
    // One problem per field from its own check, plus each cross-field one.
    const problems: RunSpecProblem[] = [];
    for (const issue of result.error.issues) {
      const field = issue.path[0] as keyof RunSpec;
      if (issue.code === 'custom') {
        problems.push({ field, message: issue.message });
      } else if (!problems.some((p) => p.field === field)) {
        problems.push({ field, message: messageFor(field, input[field]) });
      }
    }
    throw new RunSpecError(problems);
  }
  const v = result.data;
  return {
    runId: v.runId ?? defaultRunId(now),
    totalConnections: v.totalConnections,
    partitions: v.partitions,
    connectParallelism: v.connectParallelism,
    mps: v.mps,
    durationSec: v.durationSec,
    qos: v.qos,
    model: v.model === undefined ? CLIENT_MODELS[0] : (resolveClientModel(v.model) as ClientModel),
    maxAttempts: v.maxAttempts ?? RUN_SPEC_DEFAULTS.maxAttempts,
    minParallelism: v.minParallelism ?? RUN_SPEC_DEFAULTS.minParallelism,
    maxPartitions: v.maxPartitions ?? RUN_SPEC_DEFAULTS.maxPartitions,
    partTimeoutSec: v.partTimeoutSec ?? v.durationSec + RUN_SPEC_DEFAULTS.partTimeoutGraceSec,
    requireBusinessSummary: v.requireBusinessSummary,
    brokerUrl: v.brokerUrl ?? RUN_SPEC_DEFAULTS.brokerUrl,
    loop: v.loop ?? PUBLISH_LOOP_DEFAULTS.loop,
    window: v.window ?? PUBLISH_LOOP_DEFAULTS.window,
  };
}

/** What each non-numeric field allows, said about the value given (`got`). */
// brokerUrl's check writes its own message (brokerUrlCheck).
const FIELD_MESSAGES: Record<
  Exclude<keyof RunSpec, NumericField | 'brokerUrl'>,
  (got: string) => string
> = {
  qos: (got) => `qos must be 0, 1 or 2 ${got}`,
  model: (got) => `SIM_TASK/model must be one of ${MODEL_NAMES.join(', ')} ${got}`,
  runId: (got) => `runId must be ${RUN_ID_RULE} ${got}`,
  requireBusinessSummary: (got) => `REQUIRE_BUSINESS_SUMMARY must be 0 or 1 ${got}`,
  loop: (got) => `loop must be ${PUBLISH_LOOPS.join(' or ')} ${got}`,
};

/** What a field allows, said about the value given. */
function messageFor(field: keyof RunSpec, raw: unknown): string {
  const got = `(got ${JSON.stringify(raw)})`;
  if (!(field in RUN_SPEC_LIMITS)) {
    return FIELD_MESSAGES[field as keyof typeof FIELD_MESSAGES](got);
  }
  const numeric = field as NumericField;
  const { min, max } = RUN_SPEC_LIMITS[numeric];
  const kind = INTEGER_FIELDS.has(numeric) ? 'an integer' : 'a number';
  // 0x10, 1e3, +5 and 10.0 are numbers in range to Number() and to whoever typed them: where
  // only the notation is wrong, say which notation counts.
  const integer = INTEGER_FIELDS.has(numeric);
  const value = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
  const notation =
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value)) &&
    parseDecimal(String(raw), integer) === undefined
      ? integer
        ? ' written in decimal digits'
        : ' written in plain decimal'
      : '';
  return isBlank(raw)
    ? `${field} is required: ${kind} in ${min}..${max}`
    : `${field} must be ${kind} in ${min}..${max}${notation} ${got}`;
}
