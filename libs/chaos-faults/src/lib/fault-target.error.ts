/** Why a fault cannot be injected: its target is missing or the tool to reach it is. */
export type FaultTargetErrorCode = 'FAULT_TARGET_NOT_FOUND' | 'FAULT_TOOL_UNAVAILABLE';

/**
 * The fault's target cannot be reached: a container that does not exist, no docker binary. The
 * runner maps it to a bad-input exit (code 2) before any load is started.
 */
export class FaultTargetError extends Error {
  override readonly name = 'FaultTargetError';

  constructor(
    readonly code: FaultTargetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
