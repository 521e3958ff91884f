import { UsageError } from '@sousvide/shared-util';
import type { ClientModel } from './client-model';
import { WINDOW_LIMITS, type PublishLoop } from './publish-loop';

/** A validated load test: the runbook's positional arguments plus its environment. */
export interface RunSpec {
  runId: string;
  totalConnections: number;
  partitions: number;
  connectParallelism: number;
  /** Messages per second per connection. */
  mps: number;
  durationSec: number;
  qos: 0 | 1 | 2;
  model: ClientModel;
  maxAttempts: number;
  minParallelism: number;
  maxPartitions: number;
  partTimeoutSec: number;
  requireBusinessSummary: boolean;
  brokerUrl: string;
  /** Open loop (fixed input rate, the default) or closed loop (ADR 0019). */
  loop: PublishLoop;
  /** Closed loop: publishes in flight per device (1 = wait for each ack). */
  window: number;
}

/** Raw input, as strings from a CLI or environment, or numbers from JSON. */
export type RunSpecInput = Partial<Record<keyof RunSpec, unknown>>;

/** Limits each argument is checked against; the messages quote them. */
export const RUN_SPEC_LIMITS = {
  totalConnections: { min: 1, max: 200_000 },
  partitions: { min: 1, max: 256 },
  connectParallelism: { min: 1, max: 10_000 },
  mps: { min: 0.001, max: 1000 },
  durationSec: { min: 1, max: 86_400 },
  maxAttempts: { min: 1, max: 20 },
  minParallelism: { min: 1, max: 10_000 },
  maxPartitions: { min: 1, max: 256 },
  partTimeoutSec: { min: 5, max: 172_800 },
  window: WINDOW_LIMITS,
} as const;

export const RUN_SPEC_DEFAULTS = {
  maxAttempts: 4,
  minParallelism: 40,
  maxPartitions: 6,
  /** PART_TIMEOUT_SECONDS defaults to the duration plus this many seconds. */
  partTimeoutGraceSec: 120,
  brokerUrl: 'mqtt://127.0.0.1:1883',
} as const;

/** One thing wrong with the input, naming the argument and what it allows. */
export interface RunSpecProblem {
  field: keyof RunSpec;
  message: string;
}

/**
 * Bad arguments; `problems` names each one. A usage error: callers exit with code 2 (or answer
 * 400) and enqueue nothing.
 */
export class RunSpecError extends UsageError {
  override readonly code = 'INVALID_RUN_SPEC';
  constructor(readonly problems: readonly RunSpecProblem[]) {
    super(problems.map((p) => p.message).join('\n'));
    this.name = 'RunSpecError';
  }
}
