/**
 * An environment that fails its schema, thrown by {@link parseEnvConfig} before anything starts.
 * Its message is made of the schema's messages alone, never of the values given: zod's own
 * messages do not repeat the input, and a secret's schema says what is wrong without its value.
 * So a last-resort report needs to mask no secret's value in it (see `redactedErrorMessage`).
 */
export class EnvConfigError extends Error {
  readonly code = 'INVALID_ENV';

  constructor(message: string) {
    super(message);
    this.name = 'EnvConfigError';
  }
}
