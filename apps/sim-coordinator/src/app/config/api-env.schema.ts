import { z } from 'zod';
import { secretEnvShape, withSecretFiles } from '@sousvide/security';
import { parseEnvConfig } from '@sousvide/shared-util';

/** The bearer token of `serve`'s API, from this variable or the file named by `<it>_FILE`. */
export const API_TOKEN_VAR = 'COORDINATOR_API_TOKEN';
/**
 * Shortest token `serve` accepts: a guessable token is no token. tools/stack/up.sh writes 64 hex
 * characters (32 random bytes), as `openssl rand -hex 32` does.
 */
export const API_TOKEN_MIN_LENGTH = 32;

const SECRETS = [API_TOKEN_VAR] as const;

/**
 * What only `serve` needs: the API token, required and without a default (docs/security.md,
 * ADR 0029). The CLI runs in-process and never reads it, so it is not part of the coordinator's
 * schema: `loadtest run` works without a token.
 */
export const apiEnvSchema = withSecretFiles(
  SECRETS,
  z.object(secretEnvShape(SECRETS, { [API_TOKEN_VAR]: { minLength: API_TOKEN_MIN_LENGTH } })),
);

/** The API token, or an error naming COORDINATOR_API_TOKEN(_FILE), never the value. */
export function loadApiToken(env: NodeJS.ProcessEnv = process.env): string {
  return parseEnvConfig(apiEnvSchema, env, 'sim-coordinator API').COORDINATOR_API_TOKEN;
}
