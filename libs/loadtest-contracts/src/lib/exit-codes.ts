/**
 * The coordinator CLI's exit codes, decided for the whole team (issue 14): what a CI gates on.
 * `gate` is distinct from `failed` so a pipeline can tell "the backend missed its SLOs or lost
 * messages" from "the load test itself did not run properly".
 */
export const EXIT_CODES = {
  /** The run passed: its last attempt ran, every SLO passed and nothing was lost. */
  passed: 0,
  /** An attempt failed (generator, agents, timeouts) or a service was unreachable. */
  failed: 1,
  /** Bad arguments or a refused preflight: nothing was started. */
  usage: 2,
  /** The run completed, but an SLO or the loss accounting failed (the gate). */
  gate: 3,
  /** `loadtest diff` found a regression. */
  regressed: 4,
  /** Interrupted (Ctrl-C); the summaries of what ran are still written. */
  interrupted: 130,
} as const;
export type ExitCodeName = keyof typeof EXIT_CODES;
