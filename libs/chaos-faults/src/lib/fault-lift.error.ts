/**
 * Lifting one or more faults failed: the system may still be degraded. `failures` names each
 * fault with its error; `cause` is the error of the guarded work, when it failed too.
 */
export class FaultLiftError extends Error {
  override readonly name = 'FaultLiftError';
  readonly code = 'FAULT_LIFT_FAILED';

  constructor(
    readonly failures: { description: string; error: unknown }[],
    options?: { cause?: unknown },
  ) {
    super(
      `could not lift ${failures.length} fault(s): ` +
        failures.map((f) => `${f.description}: ${errorMessage(f.error)}`).join('; '),
      options,
    );
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
