import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { RunSpec } from '@sousvide/loadtest-contracts';
import { AttemptProgress } from '../run/attempt-supervisor';
import { RunIdTakenError } from '../run/run-id-taken.error';
import { AttemptOutcome, RunService, RunStatus } from '../run/run.service';
import type { GateSettings } from '../run/attempt-verdict';
import { COORDINATOR_ENV, CoordinatorEnv } from '../config/env.schema';
import { LiveRuns } from './live-runs';
import { TooManyRunsError } from './too-many-runs.error';

export interface RunView {
  runId: string;
  /** `gate_failed`: the run completed but an SLO or the loss accounting failed (CLI exit 3). */
  status: 'running' | RunStatus | 'error';
  /** The CLI's exit code for this run, once it ended. */
  exitCode?: number;
  /** The targets and whether they gate this run; each attempt's checks are in `attempts[].gate`. */
  gate: GateSettings;
  spec: RunSpec;
  attempt: number;
  progress?: AttemptProgress;
  attempts: Omit<AttemptOutcome, 'summary'>[];
  summaries: AttemptOutcome['summary'][];
  error?: string;
  /** Epoch ms the run ended (absent while it runs). */
  endedAt?: number;
}

/** Runs started over HTTP, tracked in memory; artifacts on disk are the durable record. */
@Injectable()
export class RunRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger(RunRegistry.name);
  private readonly runs = new Map<string, RunView>();
  private readonly controllers = new Map<string, AbortController>();
  /** Runs admitted but not yet started (their run id is being checked against Redis and disk). */
  private readonly admitting = new Set<string>();

  constructor(
    private readonly runService: RunService,
    @Inject(COORDINATOR_ENV) private readonly env: CoordinatorEnv,
    private readonly live: LiveRuns,
  ) {}

  async start(spec: RunSpec, localAgents: boolean, gate: GateSettings): Promise<RunView> {
    if (this.runs.has(spec.runId) || this.admitting.has(spec.runId)) {
      throw new RunIdTakenError(
        `RUN_ID ${spec.runId} was already used on this coordinator; choose another run id`,
      );
    }
    // Counted and admitted in one synchronous step: two POSTs at once cannot both take the last slot.
    const active = this.activeRunIds();
    if (active.length >= this.env.MAX_CONCURRENT_RUNS) {
      throw new TooManyRunsError(this.env.MAX_CONCURRENT_RUNS, active);
    }
    this.admitting.add(spec.runId);
    try {
      await this.runService.assertNewRun(spec);
    } finally {
      this.admitting.delete(spec.runId);
    }
    const view: RunView = {
      runId: spec.runId,
      status: 'running',
      spec,
      attempt: 1,
      gate,
      attempts: [],
      summaries: [],
    };
    const ac = new AbortController();
    this.runs.set(spec.runId, view);
    this.controllers.set(spec.runId, ac);
    this.live.begin(spec.runId);
    this.runService
      .run(spec, {
        localAgents,
        gate,
        drain: {
          maxMs: this.env.DRAIN_WINDOW_SEC * 1000,
          stallMs: this.env.DRAIN_STALL_SEC * 1000,
        },
        signal: ac.signal,
        onProgress: (attempt, progress) => Object.assign(view, { attempt, progress }),
        onSeries: (attempt, row) => this.live.row(spec.runId, attempt, row),
        onAttempt: ({ summary, ...rest }) => {
          view.attempts.push(rest);
          view.summaries.push(summary);
        },
      })
      .then(
        (outcome) => {
          view.status = outcome.status;
          view.exitCode = outcome.exitCode;
        },
        (err: unknown) => {
          view.status = 'error';
          view.error = (err as Error).message;
          this.logger.error({ runId: spec.runId, err: view.error }, 'run failed');
        },
      )
      .finally(() => {
        view.endedAt = Date.now();
        this.controllers.delete(spec.runId);
        this.live.end(spec.runId);
      });
    return view;
  }

  /** Runs that hold a slot of MAX_CONCURRENT_RUNS: running, or admitted and about to start. */
  activeRunIds(): string[] {
    return [
      ...this.list()
        .filter((r) => r.status === 'running')
        .map((r) => r.runId),
      ...this.admitting,
    ];
  }

  get(runId: string): RunView | undefined {
    return this.runs.get(runId);
  }

  list(): RunView[] {
    return [...this.runs.values()];
  }

  onApplicationShutdown(): void {
    for (const ac of this.controllers.values()) {
      ac.abort();
    }
  }
}
