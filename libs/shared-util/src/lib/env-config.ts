import { z } from 'zod';
import { brokerUrlProblem } from './broker-scheme';
import { parseDecimal } from './decimal-text';
import { EnvConfigError } from './env-config.error';

/**
 * Validates an app's environment once at boot. The error names every bad variable (a missing
 * required one as "is required"), so a misconfigured service fails with a message, not a trace.
 * @throws EnvConfigError made of the schema's messages: one may repeat a plain setting's value
 * (a number it refuses), never a secret's.
 */
export function parseEnvConfig<T extends z.ZodType>(
  schema: T,
  env: NodeJS.ProcessEnv,
  app: string,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const detail = result.error.issues
      .map((i) => {
        const name = String(i.path[0] ?? '');
        // A missing variable only reads "is required" when its own check failed, not when a rule
        // across variables (a custom issue) points at one left to its default.
        const missing = name && env[name] === undefined && i.code !== 'custom';
        return `${i.path.join('.')}: ${missing ? 'is required' : i.message}`;
      })
      .join('; ');
    throw new EnvConfigError(`invalid ${app} configuration: ${detail}`);
  }
  return result.data;
}

/** A Redis URL: redis:// or rediss:// (TLS); the error says so. */
export const redisUrl = () =>
  // Not echoed: a Redis URL may carry a password.
  z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' });

/** A Redis URL variable ({@link redisUrl}), the default when unset. */
export const redisUrlSchema = (fallback = 'redis://127.0.0.1:6379') => redisUrl().default(fallback);

/**
 * A broker URL variable, checked as every broker URL is ({@link brokerUrlProblem}); the message
 * says what is wrong without repeating the URL, which may hold a password.
 */
export const brokerUrlSchema = (options: { credentials: boolean }) =>
  // Trimmed first, as z.url() did: an env file with CRLF endings or a value ending in a newline.
  z
    .string()
    .trim()
    .superRefine((raw, ctx) => {
      const problem = brokerUrlProblem(raw, options);
      if (problem !== undefined) {
        ctx.addIssue({ code: 'custom', message: problem });
      }
    });

/**
 * A number variable: `inner` (z.number() with its bounds, and its default) given the variable's
 * text read in plain decimal, a leading minus allowed ({@link parseDecimal}: z.coerce read `0x10`
 * as 16), and blank as unset (its default applies; z.coerce read it as 0). Other text is refused
 * naming the notation.
 */
export const envNumber = <T extends z.ZodType>(inner: T) =>
  z.preprocess((raw, ctx) => {
    if (typeof raw !== 'string') {
      return raw;
    }
    const text = raw.trim();
    if (text === '') {
      return undefined;
    }
    const negative = text.startsWith('-');
    const n = parseDecimal(negative ? text.slice(1) : text, false);
    if (n === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a number written in plain decimal (got ${JSON.stringify(raw)})`,
      });
      return z.NEVER;
    }
    return negative ? -n : n;
  }, inner);
