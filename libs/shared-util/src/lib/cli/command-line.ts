import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { parseDecimal } from '../decimal-text';
import { UsageError } from './usage.error';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type Message = (raw: string) => string;

/**
 * Splits `argv` into option values (still text) and positionals. Strict: an unknown option or a
 * missing value is a {@link UsageError} in node's words (e.g. "Unknown option '--x'").
 */
export function readCommandLine<const O extends OptionsConfig>(
  argv: readonly string[],
  options: O,
) {
  try {
    return parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Options that take a text value, by name: `{ ...textOptions('limit', 'rate'), json: {...} }`. */
export function textOptions<const N extends string>(...names: N[]): Record<N, { type: 'string' }> {
  return Object.fromEntries(names.map((n) => [n, { type: 'string' }])) as Record<
    N,
    { type: 'string' }
  >;
}

/** Validates option values with `schema`; its first problem becomes a {@link UsageError}. */
export function validateOptions<S extends z.ZodType>(schema: S, values: unknown): z.output<S> {
  const result = schema.safeParse(values);
  if (!result.success) {
    throw new UsageError(result.error.issues[0]?.message ?? 'invalid arguments');
  }
  return result.data;
}

/**
 * A number given as text, in plain decimal ({@link parseDecimal}: `0x10` is no 16) and in range
 * (`integer`: digits only); else the option's own `message` about the text as given.
 */
export function numberOption(
  range: { min: number; max: number; integer?: boolean },
  message: Message,
) {
  return z.string().transform((raw, ctx): number => {
    const n = parseDecimal(raw, range.integer ?? false);
    if (n === undefined || n < range.min || n > range.max) {
      ctx.addIssue({ code: 'custom', message: message(raw) });
      return z.NEVER;
    }
    return n;
  });
}

/** One of `choices`; else the option's `message` about the text as given. */
export function choiceOption<const T extends readonly [string, ...string[]]>(
  choices: T,
  message: Message,
) {
  return z.enum(choices, { error: (issue) => message(String(issue.input)) });
}

/** A URL whose scheme matches `protocol` (e.g. /^rediss?:$/), with a message for each problem. */
export function urlOption(protocol: RegExp, messages: { notUrl: Message; scheme: Message }) {
  return z
    .string()
    .refine((raw) => URL.canParse(raw), { error: (issue) => messages.notUrl(String(issue.input)) })
    .refine((raw) => !URL.canParse(raw) || protocol.test(new URL(raw).protocol), {
      error: (issue) => messages.scheme(String(issue.input)),
    });
}
