import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import {
  BusinessSummary,
  ConnectionSummary,
  EXIT_CODES,
  nextAttemptShape,
  PARTITION_JOB_NAMES,
  partitionJobId,
  QUEUE_NAMES,
  RunSpec,
  summarizeConnections,
} from '@sousvide/loadtest-contracts';
import { COORDINATOR_ENV, CoordinatorEnv } from '../config/env.schema';
import { ArtifactsWriter } from './artifacts.writer';
import { attemptRecord, planPartitions } from './attempt-plan';
import { AttemptProgress, AttemptSupervisor } from './attempt-supervisor';
import { BackendLog } from './backend-log';
import { BusinessSummaryCollector, type DrainOptions } from './business-summary.collector';
import { attemptBusinessSummary } from './attempt-business';
import { LocalAgentPool } from './local-agent-pool';
import { connectWindowFor, packAgents } from './agent-packing';
import { nofileOf } from '../host/host-reader';
import { RunIdTakenError } from './run-id-taken.error';
import { AcceptQueueDrops, acceptQueueDrops, tcpCountersNow } from './accept-drops';
import { PreflightService } from '../preflight/preflight.service';
import { PreflightRefusedError } from '../preflight/preflight-refused.error';
import { PreflightReport } from '../preflight/preflight.types';
import { CpuBudget } from '../cpu-budget/cpu-budget';
import { CpuBudgetSampler } from '../cpu-budget/cpu-sampler';
import {
  type AttemptGate,
  type AttemptStatus,
  attemptVerdict,
  type GateSettings,
} from './attempt-verdict';
import { SeriesRecorder } from '../series/series.recorder';
import type { SeriesRow } from '../series/series-row';
import { writeAttemptReport } from '../report/report.writer';

export interface RunOptions {
  /** Start local agent processes (CLI default; LOADTEST_AGENT_PROCESSES) or rely on running agents. */
  localAgents: boolean;
  signal: AbortSignal;
  onProgress?: (attempt: number, p: AttemptProgress) => void;
  onAttempt?: (outcome: AttemptOutcome) => void;
  /** Each attempt's preflight report, before anything is enqueued (warnings included). */
  onPreflight?: (report: PreflightReport) => void;
  /** SLO targets and whether they gate the exit code (--slo-*, --no-gate, SLO_* and JUDGE_SLO). */
  gate: GateSettings;
  /** How long the business summary waits for the backlog. */
  drain: Omit<DrainOptions, 'signal'>;
  /** Each second of the attempt as series.jsonl gets it (the live page). */
  onSeries?: (attempt: number, row: SeriesRow) => void;
}

export interface AttemptOutcome {
  attempt: number;
  dir: string;
  partitions: number;
  connectParallelism: number;
  status: AttemptStatus;
  /** The generator's reasons, then each failed check of the gate. */
  reasons: string[];
  /** The targets and every check (SLOs, lost == 0), passed or not. */
  gate: AttemptGate;
  /** Whether the retry policy applies (generator-side failures only; see attemptVerdict). */
  retry: boolean;
  summary: ConnectionSummary;
  business?: BusinessSummary;
  /** Each component's CPU over the publish window (cpu-budget.json). */
  cpuBudget?: CpuBudget;
  /** Handshakes this host dropped at full accept queues during the attempt. */
  acceptQueue?: AcceptQueueDrops;
  /** The attempt's report.html; absent when writing it failed (reportError says why). */
  report?: string;
  reportError?: string;
}

export type RunStatus = AttemptStatus | 'interrupted';

/** The CLI's exit code for a run's status (EXIT_CODES). */
export const RUN_EXIT_CODE: Record<RunStatus, number> = {
  passed: EXIT_CODES.passed,
  failed: EXIT_CODES.failed,
  gate_failed: EXIT_CODES.gate,
  interrupted: EXIT_CODES.interrupted,
};

export interface RunOutcome {
  runId: string;
  /** The last attempt's: `gate_failed` when it ran but a check failed (exit 3). */
  status: RunStatus;
  /** The exit code the CLI gives this run (RUN_EXIT_CODE). */
  exitCode: number;
  runDir: string;
  attempts: AttemptOutcome[];
}

/** Runs a load test: attempts with the retry policy, each supervised and written to disk. */
@Injectable()
export class RunService {
  constructor(
    @InjectQueue(QUEUE_NAMES.partitions) private readonly queue: Queue,
    @Inject(COORDINATOR_ENV) private readonly env: CoordinatorEnv,
    private readonly artifacts: ArtifactsWriter,
    private readonly supervisor: AttemptSupervisor,
    private readonly business: BusinessSummaryCollector,
    private readonly agents: LocalAgentPool,
    private readonly backendLog: BackendLog,
    private readonly preflight: PreflightService,
    private readonly cpu: CpuBudgetSampler,
    private readonly series: SeriesRecorder,
  ) {}

  /**
   * Refuses a run id that already has attempts or jobs, so results never mix. Other files in the
   * run's directory (a chaos runner's logs) do not count.
   */
  async assertNewRun(spec: RunSpec): Promise<void> {
    const dir = this.artifacts.runDir(spec.runId);
    const job = await this.queue.getJob(partitionJobId(spec.runId, 1, 0));
    if (existsSync(join(dir, 'attempt-1')) || job) {
      throw new RunIdTakenError(
        `RUN_ID ${spec.runId} was already used (${dir}); choose another run id`,
      );
    }
  }

  async run(spec: RunSpec, options: RunOptions): Promise<RunOutcome> {
    if (options.localAgents) {
      this.agents.check();
    }
    const attempts: AttemptOutcome[] = [];
    let shape = { partitions: spec.partitions, connectParallelism: spec.connectParallelism };
    for (let attempt = 1; attempt <= spec.maxAttempts; attempt += 1) {
      let outcome: AttemptOutcome;
      try {
        outcome = await this.runAttempt(spec, attempt, shape, options);
      } catch (err) {
        // A retry the machine cannot carry ends the run; a refused first attempt is the caller's.
        if (err instanceof PreflightRefusedError && attempts.length > 0) {
          attempts[attempts.length - 1].reasons.push(`retry not started: ${err.message}`);
          break;
        }
        throw err;
      }
      attempts.push(outcome);
      options.onAttempt?.(outcome);
      if (!outcome.retry || options.signal.aborted) {
        break;
      }
      shape = nextAttemptShape(shape, { ...spec, totalConnections: spec.totalConnections });
    }
    const last = attempts[attempts.length - 1];
    const status = options.signal.aborted ? 'interrupted' : last.status;
    return {
      runId: spec.runId,
      status,
      exitCode: RUN_EXIT_CODE[status],
      runDir: this.artifacts.runDir(spec.runId),
      attempts,
    };
  }

  private async runAttempt(
    spec: RunSpec,
    attempt: number,
    shape: { partitions: number; connectParallelism: number },
    options: RunOptions,
  ): Promise<AttemptOutcome> {
    const planned = planPartitions(spec, attempt, shape, this.env, 0);
    const packing = options.localAgents
      ? packAgents(
          planned.map((p) => p.connections),
          this.env.LOADTEST_AGENT_PROCESSES,
          { cores: availableParallelism(), nofile: nofileOf('self')?.hard },
          { model: spec.model, mps: spec.mps },
        )
      : undefined;
    const preflight = await this.preflight.check({
      spec,
      attempt,
      parts: planned,
      localAgents: options.localAgents,
      packing,
    });
    options.onPreflight?.(preflight);
    if (preflight.refused) {
      throw new PreflightRefusedError(preflight);
    }
    // Each local agent process's CONNECT window, fitted to a local broker's accept queue (ADR 0056).
    const agentLayout = packing && {
      ...packing,
      connectWindow: connectWindowFor(packing.processes, preflight.facts.broker),
    };
    const dir = await this.artifacts.prepareAttempt(spec.runId, attempt);
    const runJson = {
      ...attemptRecord(spec, attempt, shape, options.localAgents, this.env),
      ...(agentLayout ? { agentProcesses: agentLayout } : {}),
      preflight: { refused: preflight.refused, checks: preflight.checks, facts: preflight.facts },
    };
    await this.artifacts.writeJson(dir, 'run.json', runJson);

    const brokerBaseline = this.business.brokerBaseline(spec.brokerUrl);
    const agents = agentLayout
      ? this.agents.start(agentLayout, dir, `local-${spec.runId}-a${attempt}`)
      : undefined;
    try {
      await agents?.ready;
    } catch (err) {
      await agents?.stop();
      throw err;
    }
    // The part timeout starts once the local agents listen: eight of them loading at once on a
    // busy 2-core host took 77 s of a 180 s timeout before the first connect (one per partition,
    // before ADR 0044).
    const deadlineAt = Date.now() + spec.partTimeoutSec * 1000;
    const specs = planned.map((p) => ({ ...p, deadlineAt }));
    const before = await this.business.snapshot(spec.runId);
    const brokerBefore = await brokerBaseline;
    const tcpBefore = tcpCountersNow();
    const dispatchedAt = Date.now();
    const backendLog = this.backendLog.start(dir);
    const series = this.series.start(dir, spec.runId, before, (row) =>
      options.onSeries?.(attempt, row),
    );
    const jobIds = specs.map((p) => partitionJobId(p.runId, p.attempt, p.part));
    await this.queue.addBulk(
      specs.map((data, i) => ({
        name: PARTITION_JOB_NAMES.runPartition,
        data,
        opts: {
          jobId: jobIds[i],
          attempts: 1,
          removeOnComplete: { age: 7 * 86400 },
          removeOnFail: { age: 7 * 86400 },
        },
      })),
    );
    const cpu = this.cpu.start(agents ? () => agents.pids : undefined);
    let outcomes;
    let progressShownAt = 0;
    try {
      outcomes = await this.supervisor.supervise(jobIds, {
        specs,
        deadlineAt,
        startDelayMs: 1000 + 50 * shape.partitions,
        pickupTimeoutMs: this.env.PICKUP_TIMEOUT_SEC * 1000,
        signal: options.signal,
        onProgress: (p) => {
          // The series samples every poll's view on its own clock; the caller (a progress line
          // on the terminal, the API's run view) gets one a second and the last.
          series.progress(p);
          const now = Date.now();
          if (now - progressShownAt >= 1000 || p.partsDone === p.parts) {
            progressShownAt = now;
            options.onProgress?.(attempt, p);
          }
        },
      });
    } catch (err) {
      await series.stop();
      throw err;
    } finally {
      cpu.halt();
      await agents?.stop();
      await removeUntakenJobs(this.queue, jobIds);
    }
    for (const [i, id] of jobIds.entries()) {
      const { logs } = await this.queue.getJobLogs(id, 0, -1, true);
      const error = outcomes[i].error;
      await this.artifacts.writePartLog(
        dir,
        i,
        error ? [...logs, `${new Date().toISOString()} PART FAILED: ${error}`] : logs,
      );
    }
    const acceptQueue = acceptQueueDrops(tcpBefore, tcpCountersNow());
    const cpuBudget = cpu.overPublishWindow(outcomes);
    if (cpuBudget) {
      await this.artifacts.writeJson(dir, 'cpu-budget.json', cpuBudget);
    }
    const summary = summarizeConnections(
      {
        runId: spec.runId,
        attempt,
        model: spec.model,
        qos: spec.qos,
        devices: spec.totalConnections,
        partitions: shape.partitions,
        connectParallelism: shape.connectParallelism,
        mps: spec.mps,
        durationSec: spec.durationSec,
        messagesPerDevice: Math.max(1, Math.floor(spec.mps * spec.durationSec)),
        loop: spec.loop,
      },
      outcomes,
    );
    const reasons = [...summary.failure_reasons];
    const business = await attemptBusinessSummary(this.business, {
      spec,
      attempt,
      before,
      brokerBefore,
      publishedTotal: summary.published_total,
      dispatchedAt,
      gate: options.gate,
      drain: { ...options.drain, signal: options.signal },
    });
    if (business) {
      await this.artifacts.writeJson(dir, 'business-summary.json', business);
    }
    backendLog?.stop();
    await series.stop();
    if (spec.requireBusinessSummary && !business) {
      reasons.push(
        'REQUIRE_BUSINESS_SUMMARY=1 but no business-summary.json was produced for this attempt (no gateway counted this run)',
      );
    }
    // connection-summary.json keeps the generator's verdict; run.json, the exit code and the
    // table carry the attempt's, which the SLOs in business-summary.json are part of.
    const generatorSummary = {
      ...summary,
      status: reasons.length === 0 ? ('passed' as const) : ('failed' as const),
      failure_reasons: reasons,
    };
    await this.artifacts.writeJson(dir, 'connection-summary.json', generatorSummary);
    const verdict = attemptVerdict({
      generatorReasons: reasons,
      business,
      generatorSaturated: summary.generator_saturated,
      ...options.gate,
    });
    await this.artifacts.writeJson(dir, 'run.json', {
      ...runJson,
      endedAt: new Date().toISOString(),
      status: verdict.status,
      reasons: verdict.reasons,
      gate: verdict.gate,
      acceptQueue,
    });
    const report = await writeAttemptReport(dir).then(
      (path) => ({ report: path }),
      (err: Error) => ({ reportError: err.message }),
    );
    return {
      attempt,
      dir,
      partitions: shape.partitions,
      connectParallelism: shape.connectParallelism,
      ...verdict,
      summary: generatorSummary,
      ...(business ? { business } : {}),
      ...(cpuBudget ? { cpuBudget } : {}),
      acceptQueue,
      ...report,
    };
  }
}

/** Jobs no agent took must not linger: a later agent would pick up a dead attempt's part. */
async function removeUntakenJobs(queue: Queue, jobIds: string[]): Promise<void> {
  for (const id of jobIds) {
    const job = await queue.getJob(id);
    const state = await job?.getState();
    if (job && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
      await job.remove().catch(() => undefined);
    }
  }
}
