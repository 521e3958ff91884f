import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { RunSpec } from '@sousvide/loadtest-contracts';
import { AttemptProgress } from '../run/attempt-supervisor';
import { RunIdTakenError } from '../run/run-id-taken.error';
import { AttemptOutcome, RunService } from '../run/run.service';
import { LiveRuns } from './live-runs';

export interface RunView {
  runId: string;
  status: 'running' | 'passed' | 'failed' | 'interrupted' | 'error';
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

  constructor(
    private readonly runService: RunService,
    private readonly live: LiveRuns,
  ) {}

  async start(spec: RunSpec, localAgents: boolean): Promise<RunView> {
    if (this.runs.has(spec.runId)) {
      throw new RunIdTakenError(
        `RUN_ID ${spec.runId} was already used on this coordinator; choose another run id`,
      );
    }
    await this.runService.assertNewRun(spec);
    const view: RunView = {
      runId: spec.runId,
      status: 'running',
      spec,
      attempt: 1,
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
