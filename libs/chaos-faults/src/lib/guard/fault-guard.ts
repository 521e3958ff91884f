import { constants } from 'node:os';
import type { FaultInjector } from '../fault-injector';
import { FaultLiftError } from '../fault-lift.error';

export type GuardedSignal = 'SIGINT' | 'SIGTERM';

/** Where signals are heard: `process`, or an EventEmitter in tests. */
export interface SignalSource {
  on(event: GuardedSignal, listener: () => void): unknown;
  off(event: GuardedSignal, listener: () => void): unknown;
}

export interface FaultGuardOptions {
  /** Default `process`. */
  signals?: SignalSource;
  /**
   * Called after the faults were lifted on a signal. Default: exit with 128 + the signal number
   * (130 for SIGINT, 143 for SIGTERM), as a shell reports a process killed by that signal.
   */
  onSignal?: (signal: GuardedSignal) => void;
  /** Used by the default `onSignal` and on a second signal. Default `process.exit`. */
  exit?: (code: number) => void;
  /** Reports lift failures during signal handling. Default `console.error`. */
  log?: (line: string) => void;
}

const SIGNALS: GuardedSignal[] = ['SIGINT', 'SIGTERM'];

/**
 * Makes sure every fault injected through it is lifted: when the guarded work ends, when it
 * throws, and on SIGINT/SIGTERM (handlers lift first, then call `onSignal`). A second signal while
 * lifting exits at once, naming what may still be injected, so a hung lift cannot trap the user.
 */
export class FaultGuard {
  private readonly active: FaultInjector[] = [];
  private readonly handlers = new Map<GuardedSignal, () => void>();
  private readonly signals: SignalSource;
  private readonly exit: (code: number) => void;
  private readonly log: (line: string) => void;
  private readonly onSignal: (signal: GuardedSignal) => void;
  private interrupted: GuardedSignal | undefined;

  constructor(options: FaultGuardOptions = {}) {
    this.signals = options.signals ?? process;
    this.exit = options.exit ?? ((code) => process.exit(code));
    this.log = options.log ?? ((line) => console.error(line));
    this.onSignal = options.onSignal ?? ((signal) => this.exit(exitCodeOf(signal)));
  }

  /** Faults injected and not yet lifted, oldest first. */
  get injected(): readonly FaultInjector[] {
    return [...this.active];
  }

  /** Registers the SIGINT/SIGTERM handlers. Idempotent. */
  install(): this {
    for (const signal of SIGNALS) {
      if (!this.handlers.has(signal)) {
        const handler = (): void => this.handleSignal(signal);
        this.handlers.set(signal, handler);
        this.signals.on(signal, handler);
      }
    }
    return this;
  }

  /** Removes the handlers. */
  dispose(): void {
    for (const [signal, handler] of this.handlers) {
      this.signals.off(signal, handler);
    }
    this.handlers.clear();
  }

  /** Injects the fault; it is tracked first, so a half-done inject is lifted too. */
  async inject(fault: FaultInjector): Promise<void> {
    this.active.push(fault);
    await fault.inject();
  }

  /** Lifts one fault and stops tracking it (also when it was not injected through this guard). */
  async lift(fault: FaultInjector): Promise<void> {
    await fault.lift();
    const index = this.active.indexOf(fault);
    if (index >= 0) {
      this.active.splice(index, 1);
    }
  }

  /**
   * Lifts every tracked fault, newest first, trying each even when another fails; throws
   * {@link FaultLiftError} naming the ones that failed (they stay tracked).
   */
  async liftAll(): Promise<void> {
    const failures: { description: string; error: unknown }[] = [];
    for (const fault of [...this.active].reverse()) {
      try {
        await this.lift(fault);
      } catch (error) {
        failures.push({ description: fault.description, error });
      }
    }
    if (failures.length > 0) {
      throw new FaultLiftError(failures);
    }
  }

  /**
   * Runs `body` with the signal handlers installed and lifts whatever is still injected when it
   * settles. A lift failure is thrown as {@link FaultLiftError} (with the body's error as `cause`
   * when the body failed too); otherwise the body's result or error passes through.
   */
  async run<T>(body: (guard: this) => Promise<T>): Promise<T> {
    this.install();
    try {
      let result: T;
      try {
        result = await body(this);
      } catch (error) {
        await this.liftAll().catch((liftError: unknown) => {
          throw liftError instanceof FaultLiftError
            ? new FaultLiftError(liftError.failures, { cause: error })
            : liftError;
        });
        throw error;
      }
      await this.liftAll();
      return result;
    } finally {
      this.dispose();
    }
  }

  private handleSignal(signal: GuardedSignal): void {
    if (this.interrupted) {
      const left = this.active.map((f) => f.description).join(', ') || 'none';
      this.log(
        `${signal} again while lifting faults; exiting now. Possibly still injected: ${left}`,
      );
      this.exit(exitCodeOf(signal));
      return;
    }
    this.interrupted = signal;
    this.liftAll()
      .catch((error: unknown) => {
        this.log(
          `lifting faults after ${signal} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      })
      .finally(() => this.onSignal(signal));
  }
}

/**
 * Injects `fault`, runs `body`, and lifts the fault when `body` settles, on error, and on
 * SIGINT/SIGTERM (see {@link FaultGuard}).
 */
export function withFaultLifted<T>(
  fault: FaultInjector,
  body: () => Promise<T>,
  options?: FaultGuardOptions,
): Promise<T> {
  return new FaultGuard(options).run(async (guard) => {
    await guard.inject(fault);
    return body();
  });
}

function exitCodeOf(signal: GuardedSignal): number {
  return 128 + constants.signals[signal];
}
