import { readFileSync } from 'node:fs';
import { z } from 'zod';

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
  const minLength = rule.minLength ?? 1;
  return z.unknown().transform((value, ctx): string => {
    const fail = (message: string): never => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (value instanceof SecretSourceProblem) {
      return fail(value.message);
    }
    if (value === undefined || value === '') {
      return fail(`is required: set ${name} or ${name}_FILE (secrets have no default)`);
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
  });
}

type SecretSchema = ReturnType<typeof secretValue>;

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
 * Like {@link secretEnvShape}, for secrets that may be absent (they switch something on): unset
 * parses as undefined, an empty `X` counts as unset, and a set value must pass `rules[name]`.
 */
export function optionalSecretEnvShape<N extends string>(
  names: readonly N[],
  rules: Partial<Record<N, SecretRule>> = {},
) {
  return Object.fromEntries(
    names.map((name) => [
      name,
      z.preprocess(
        (v) => (v === '' ? undefined : v),
        secretValue(name, rules[name] ?? {}).optional(),
      ),
    ]),
  ) as Record<N, z.ZodPreprocess<z.ZodOptional<SecretSchema>, unknown>>;
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
