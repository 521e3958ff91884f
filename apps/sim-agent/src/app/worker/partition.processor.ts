import { Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Job, UnrecoverableError } from 'bullmq';
import Redis from 'ioredis';
import {
  PARTITION_JOB_NAMES,
  PartitionJobName,
  PartitionResult,
  PartitionSpec,
  QUEUE_NAMES,
} from '@sousvide/loadtest-contracts';
import { clientFactoryFor } from '../clients/client-models';
import type { AgentSecurity } from '../clients/device-identity';
import { AGENT_ENV, AGENT_SECURITY, AgentEnv } from '../config/env.schema';
import { AgentMetrics } from '../metrics/agent-metrics';
import { ConnectWindow } from '../partition/connect-window';
import { PartitionRunner } from '../partition/partition-runner';
import { Barrier } from './barrier';
import { AGENT_REDIS } from './worker.constants';

/**
 * BullMQ worker on `loadtest-partitions`. A short lock (renewed while the partition runs) lets the
 * coordinator tell a dead agent from a slow one within seconds; a stalled job fails instead of
 * being re-run, because retries happen per attempt with a new shape, not per job.
 */
@Processor(QUEUE_NAMES.partitions, {
  lockDuration: 10_000,
  stalledInterval: 5_000,
  maxStalledCount: 0,
})
export class PartitionProcessor extends WorkerHost implements OnApplicationShutdown {
  private readonly logger = new Logger(PartitionProcessor.name);
  private jobsDone = 0;
  private idleTimer?: NodeJS.Timeout;
  /** One per process: its partitions share the event loop and the broker's accept queue. */
  private readonly connectWindow: ConnectWindow;

  constructor(
    @Inject(AGENT_ENV) private readonly env: AgentEnv,
    @Inject(AGENT_REDIS) private readonly redis: Redis,
    @Inject(AGENT_SECURITY) private readonly security: AgentSecurity,
    private readonly metrics: AgentMetrics,
  ) {
    super();
    this.connectWindow = new ConnectWindow(env.AGENT_CONNECT_WINDOW);
  }

  onApplicationBootstrap(): void {
    this.worker.concurrency = this.env.AGENT_CONCURRENCY;
    this.worker.on('error', (err) => this.logger.error({ err: err.message }, 'worker error'));
    if (this.env.AGENT_IDLE_EXIT_SEC > 0) {
      this.idleTimer = setTimeout(() => {
        this.logger.warn(
          { idleSec: this.env.AGENT_IDLE_EXIT_SEC },
          'no partition arrived: exiting',
        );
        process.kill(process.pid, 'SIGTERM');
      }, this.env.AGENT_IDLE_EXIT_SEC * 1000);
    }
  }

  async process(
    job: Job<PartitionSpec, PartitionResult, PartitionJobName>,
  ): Promise<PartitionResult> {
    clearTimeout(this.idleTimer);
    try {
      switch (job.name) {
        case PARTITION_JOB_NAMES.runPartition:
          return await this.runPartition(job);
        default: {
          const unknown: never = job.name;
          throw new UnrecoverableError(`unknown job name ${String(unknown)}`);
        }
      }
    } finally {
      this.countJob();
    }
  }

  /**
   * Counted when the job's work ends, not on the worker's completed/failed events: a job whose
   * lock lapsed (a starved agent) gets neither, and the agent then never exited.
   */
  private countJob(): void {
    this.jobsDone += 1;
    if (this.env.AGENT_MAX_JOBS > 0 && this.jobsDone >= this.env.AGENT_MAX_JOBS) {
      this.logger.log({ jobs: this.jobsDone }, 'job budget used: exiting');
      // After this turn, so the worker first stores the result; shutdown waits for it.
      setImmediate(() => process.kill(process.pid, 'SIGTERM'));
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.idleTimer);
    await this.worker.close();
  }

  private async runPartition(job: Job<PartitionSpec, PartitionResult>): Promise<PartitionResult> {
    const spec = job.data;
    const barrier = new Barrier(this.redis, spec.runId, spec.attempt, spec.deadlineAt);
    const log = (line: string): void => {
      this.logger.log({ runId: spec.runId, attempt: spec.attempt, part: spec.part }, line);
      job.log(`${new Date().toISOString()} ${line}`).catch(() => undefined);
    };
    barrier.watch();
    try {
      const runner = new PartitionRunner(spec, {
        clientFactory: clientFactoryFor(spec.model),
        connectWindow: this.connectWindow,
        security: this.security,
        agentId: this.env.AGENT_ID,
        report: (progress) => {
          job.updateProgress(progress).catch(() => undefined);
        },
        log,
        waitForStart: () => barrier.waitForStart(),
        isAborted: () => barrier.isAborted(),
      });
      const untrack = this.metrics.track(runner);
      try {
        return await runner.run();
      } finally {
        untrack();
      }
    } finally {
      barrier.stop();
    }
  }
}
