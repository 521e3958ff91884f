import { readFileSync } from 'node:fs';
import { EnvConfigError } from '@sousvide/shared-util';
import { z } from 'zod';
import { redactText } from './redact';

/** Validation of one secret's value. */
export interface SecretRule {
  /** Shortest acceptable value (default 1: any non-blank value). */
  minLength?: number;
}

/** Reads a secret file; the default strips one trailing newline (`echo x > file` writes one). */
export type SecretFileReader = (path: string) => string;

// Carries a problem found while resolving X_FILE into X, so that the value's schema reports it
// along with every other bad variable (an issue raised in zod's preprocess would stop the parse).
class SecretSourceProblem {
  constructor(readonly message: string) {}
}

/** Reads a secret from a file, without the trailing newline editors and `echo` add. */
export function readSecretFile(path: string): string {
  return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
}

function secretValue(name: string, rule: SecretRule) {
  return z.unknown().transform((value, ctx): string => {
    if (value === undefined || value === '') {
      ctx.addIssue({
        code: 'custom',
        message: `is required: set ${name} or ${name}_FILE (secrets have no default)`,
      });
      return z.NEVER;
    }
    return checkedSecret(value, rule, ctx);
  });
}

/** A secret that may be absent (a password only some deployments set); no default either. */
function optionalSecretValue(rule: SecretRule) {
  // optional(): an absent key is no issue of the object (zod checks optionality before parsing).
  return z
    .unknown()
    .optional()
    .transform((value, ctx): string | undefined =>
      value === undefined || value === '' ? undefined : checkedSecret(value, rule, ctx),
    );
}

function checkedSecret(value: unknown, rule: SecretRule, ctx: z.RefinementCtx): string {
  const minLength = rule.minLength ?? 1;
  const fail = (message: string): never => {
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  };
  if (value instanceof SecretSourceProblem) {
    return fail(value.message);
  }
  if (typeof value !== 'string') {
    return fail('must be a string');
  }
  if (value.trim() === '') {
    return fail('is blank');
  }
  if (value.length < minLength) {
    return fail(`is too short: at least ${minLength} characters`);
  }
  return value;
}

type SecretSchema = ReturnType<typeof secretValue>;
type OptionalSecretSchema = ReturnType<typeof optionalSecretValue>;

/**
 * Zod shape entries for secret variables: each is required, has no default, and is validated by
 * `rules[name]`. Wrap the object schema with {@link withSecretFiles} so each may come from a file.
 */
export function secretEnvShape<N extends string>(
  names: readonly N[],
  rules: Partial<Record<N, SecretRule>> = {},
): Record<N, SecretSchema> {
  return Object.fromEntries(
    names.map((name) => [name, secretValue(name, rules[name] ?? {})]),
  ) as Record<N, SecretSchema>;
}

/**
 * Like {@link secretEnvShape} for secrets a deployment may leave unset (a service's password when
 * the service asks for none): absent is `undefined`, never a default; a value set (directly or
 * through `X_FILE`) is validated like any secret. Wrap with {@link withSecretFiles} as well.
 */
export function optionalSecretEnvShape<N extends string>(
  names: readonly N[],
  rules: Partial<Record<N, SecretRule>> = {},
): Record<N, OptionalSecretSchema> {
  return Object.fromEntries(
    names.map((name) => [name, optionalSecretValue(rules[name] ?? {})]),
  ) as Record<N, OptionalSecretSchema>;
}

/**
 * Lets each secret `X` of `names` come from the file named by `X_FILE` (Docker and Kubernetes
 * secrets, systemd credentials). Setting both is an error; an empty `X` next to `X_FILE` counts
 * as unset (compose passes `X: ${X:-}`). An unreadable file is reported as a problem of `X`
 * naming `X_FILE` and the path, never the file's content.
 */
export function withSecretFiles<T extends z.ZodType>(
  names: readonly string[],
  schema: T,
  read: SecretFileReader = readSecretFile,
) {
  return z.preprocess((input) => {
    if (typeof input !== 'object' || input === null) {
      return input;
    }
    const env: Record<string, unknown> = { ...input };
    for (const name of names) {
      const fileVar = `${name}_FILE`;
      const path = env[fileVar];
      if (path === undefined || path === '') {
        continue;
      }
      if (env[name] !== undefined && env[name] !== '') {
        env[name] = new SecretSourceProblem(`set ${name} or ${fileVar}, not both`);
        continue;
      }
      try {
        const value = read(String(path));
        env[name] =
          value === '' ? new SecretSourceProblem(`${fileVar}=${String(path)} is empty`) : value;
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        env[name] = new SecretSourceProblem(
          `cannot read ${fileVar}=${String(path)} (${e.code ?? e.message})`,
        );
      }
    }
    return env;
  }, schema);
}

/**
 * The values the secrets `names` have in `env`, directly or through `X_FILE` (read best-effort: an
 * unreadable file adds nothing), for masking them in a last-resort error message with
 * `redactText`. Blank values are left out, since masking them would mask nothing useful.
 */
export function secretValuesOf(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  read: SecretFileReader = readSecretFile,
): string[] {
  const values: string[] = [];
  for (const name of names) {
    const inline = env[name];
    if (inline !== undefined && inline.trim() !== '') {
      values.push(inline);
    }
    const path = env[`${name}_FILE`];
    if (path) {
      try {
        const value = read(path);
        if (value.trim() !== '') {
          values.push(value);
        }
      } catch {
        // Nothing to mask: the schema reports the unreadable file by its path.
      }
    }
  }
  return values;
}

/**
 * An error's message for a last-resort report (a command or service that fails): URL passwords
 * and credential query values are always masked; the values of the secrets `names` (directly or
 * through `X_FILE`) too, unless the error is an {@link EnvConfigError}. That one is made of schema
 * messages that never hold a secret's value, and masking a value there only garbles our own
 * words: a too-short `FLEET_SECRET=short` turned "is too short" into "is too ***".
 */
export function redactedErrorMessage(
  err: unknown,
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  read: SecretFileReader = readSecretFile,
): string {
  const message = err instanceof Error ? err.message : String(err);
  return err instanceof EnvConfigError
    ? redactText(message)
    : redactText(message, secretValuesOf(names, env, read));
}
