/**
 * One fault the chaos runner can switch on and off: a stopped or paused container, a proxy in a
 * failure mode. The runner calls `verify()` before it starts any load, `inject()` at the fault's
 * start and `lift()` at its end, and lifts again on error or interrupt (see {@link FaultGuard}).
 */
export interface FaultInjector {
  /** Human-readable, for logs and reports, e.g. `pause container sousvide-redis`. */
  readonly description: string;
  /**
   * Checks that the fault can be injected (the target exists) without changing anything.
   * Throws {@link FaultTargetError} when it cannot, so the runner can exit before starting load.
   */
  verify(): Promise<void>;
  /** Switches the fault on. */
  inject(): Promise<void>;
  /**
   * Restores normal operation. Idempotent: safe when the fault was never injected, and when
   * called twice; implementations act on the target's observed state, not on a flag.
   */
  lift(): Promise<void>;
}
