import { Inject, Injectable } from '@nestjs/common';
import { InjectQueue } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import {
  BusinessSummary,
  ConnectionSummary,
  LatencyHistogram,
  nextAttemptShape,
  PARTITION_JOB_NAMES,
  partitionJobId,
  PartitionSpec,
  QUEUE_NAMES,
  RunSpec,
  splitConnections,
  summarizeBusiness,
  summarizeConnections,
} from '@sousvide/loadtest-contracts';
import { redactUrl } from '@sousvide/security';
import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import {
  COORDINATOR_ENV,
  COORDINATOR_REDIS,
  CoordinatorEnv,
  INGEST_REDIS,
} from '../config/env.schema';
import { ArtifactsWriter } from './artifacts.writer';
import { BusinessSummaryCollector } from './business-summary.collector';
import { AttemptProgress, AttemptSupervisor } from './attempt-supervisor';
import { hostFacts } from './host-facts';
import { LocalAgentPool } from './local-agent-pool';
import { RunIdTakenError } from './run-id-taken.error';

export interface RunOptions {
  /** Start one local agent process per partition (CLI default) or rely on running agents. */
  localAgents: boolean;
  signal: AbortSignal;
  onProgress?: (attempt: number, p: AttemptProgress) => void;
  onAttempt?: (outcome: AttemptOutcome) => void;
}

export interface AttemptOutcome {
  attempt: number;
  dir: string;
  partitions: number;
  connectParallelism: number;
  status: 'passed' | 'failed';
  reasons: string[];
  summary: ConnectionSummary;
  business?: BusinessSummary;
}

export interface RunOutcome {
  runId: string;
  status: 'passed' | 'failed' | 'interrupted';
  runDir: string;
  attempts: AttemptOutcome[];
}

/** Runs a load test: attempts with the retry policy, each supervised and written to disk. */
@Injectable()
export class RunService {
  private readonly artifacts: ArtifactsWriter;
  private readonly supervisor: AttemptSupervisor;
  private readonly business: BusinessSummaryCollector;

  constructor(
    @InjectQueue(QUEUE_NAMES.partitions) private readonly queue: Queue,
    @InjectQueue(QUEUE_NAMES.dlq) dlq: Queue,
    @Inject(INGEST_REDIS) ingestRedis: Redis,
    @Inject(COORDINATOR_REDIS) private readonly redis: Redis,
    @Inject(COORDINATOR_ENV) private readonly env: CoordinatorEnv,
  ) {
    this.artifacts = new ArtifactsWriter(env.ARTIFACTS_DIR);
    this.supervisor = new AttemptSupervisor(queue, redis);
    this.business = new BusinessSummaryCollector(ingestRedis, dlq);
  }

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
      LocalAgentPool.check(this.env.AGENT_ENTRY);
    }
    const attempts: AttemptOutcome[] = [];
    let shape = { partitions: spec.partitions, connectParallelism: spec.connectParallelism };
    for (let attempt = 1; attempt <= spec.maxAttempts; attempt += 1) {
      const outcome = await this.runAttempt(spec, attempt, shape, options);
      attempts.push(outcome);
      options.onAttempt?.(outcome);
      if (outcome.status === 'passed' || options.signal.aborted) {
        break;
      }
      shape = nextAttemptShape(shape, { ...spec, totalConnections: spec.totalConnections });
    }
    const last = attempts[attempts.length - 1];
    return {
      runId: spec.runId,
      status: options.signal.aborted ? 'interrupted' : last.status,
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
    const dir = await this.artifacts.prepareAttempt(spec.runId, attempt);
    const startedAt = new Date();
    const deadlineAt = Date.now() + spec.partTimeoutSec * 1000;
    const counts = splitConnections(spec.totalConnections, shape.partitions);
    let offset = 0;
    const specs: PartitionSpec[] = counts.map((connections, part) => {
      const p: PartitionSpec = {
        runId: spec.runId,
        attempt,
        part,
        partitions: shape.partitions,
        connections,
        deviceOffset: offset,
        connectParallelism: shape.connectParallelism,
        mps: spec.mps,
        durationSec: spec.durationSec,
        qos: spec.qos,
        model: spec.model,
        brokerUrl: spec.brokerUrl,
        connectTimeoutMs: this.env.CONNECT_TIMEOUT_MS,
        publishTimeoutMs: this.env.PUBLISH_TIMEOUT_MS,
        keepaliveSec: this.env.KEEPALIVE_SEC,
        reconnect: { baseMs: this.env.RECONNECT_BASE_MS, capMs: this.env.RECONNECT_CAP_MS },
        deadlineAt,
      };
      offset += connections;
      return p;
    });
    const runJson = {
      spec,
      attempt,
      shape,
      startedAt: startedAt.toISOString(),
      agents: options.localAgents ? 'local' : 'external',
      env: {
        REDIS_URL: redactUrl(this.env.REDIS_URL),
        MQTT_URL: spec.brokerUrl,
        CONNECT_TIMEOUT_MS: this.env.CONNECT_TIMEOUT_MS,
        PUBLISH_TIMEOUT_MS: this.env.PUBLISH_TIMEOUT_MS,
        KEEPALIVE_SEC: this.env.KEEPALIVE_SEC,
        RECONNECT_BASE_MS: this.env.RECONNECT_BASE_MS,
        RECONNECT_CAP_MS: this.env.RECONNECT_CAP_MS,
      },
      host: hostFacts(),
    };
    await this.artifacts.writeJson(dir, 'run.json', runJson);

    const before = await this.business.snapshot(spec.runId);
    const dispatchedAt = Date.now();
    const backendLog = this.startBackendLog(dir);
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
    const pool = options.localAgents
      ? new LocalAgentPool(this.env.AGENT_ENTRY, this.env.REDIS_URL)
      : undefined;
    pool?.start(shape.partitions, dir, `local-${spec.runId}-a${attempt}`);
    let outcomes;
    try {
      outcomes = await this.supervisor.supervise(jobIds, {
        specs,
        deadlineAt,
        startDelayMs: 1000 + 50 * shape.partitions,
        signal: options.signal,
        onProgress: (p) => options.onProgress?.(attempt, p),
      });
    } finally {
      await pool?.stop();
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
      },
      outcomes,
    );
    const reasons = [...summary.failure_reasons];
    const business = await this.writeBusinessSummary(
      spec.runId,
      attempt,
      dir,
      before,
      summary.published_total,
      dispatchedAt,
    );
    stopProcessGroup(backendLog);
    if (spec.requireBusinessSummary && !business) {
      reasons.push(
        'REQUIRE_BUSINESS_SUMMARY=1 but no business-summary.json was produced for this attempt (no gateway counted this run)',
      );
    }
    const status = reasons.length === 0 ? 'passed' : 'failed';
    await this.artifacts.writeJson(dir, 'connection-summary.json', {
      ...summary,
      status,
      failure_reasons: reasons,
    });
    await this.artifacts.writeJson(dir, 'run.json', {
      ...runJson,
      endedAt: new Date().toISOString(),
      status,
      reasons,
    });
    return {
      attempt,
      dir,
      partitions: shape.partitions,
      connectParallelism: shape.connectParallelism,
      status,
      reasons,
      summary: { ...summary, status, failure_reasons: reasons },
      ...(business ? { business } : {}),
    };
  }

  /** business-summary.json from the gateways' counters, when any gateway counted this run. */
  private async writeBusinessSummary(
    runId: string,
    attempt: number,
    dir: string,
    before: Awaited<ReturnType<BusinessSummaryCollector['snapshot']>>,
    publishedTotal: number,
    dispatchedAt: number,
  ): Promise<BusinessSummary | undefined> {
    const delta = await this.business.collect(
      runId,
      before,
      publishedTotal,
      this.env.DRAIN_WINDOW_SEC * 1000,
    );
    if (!delta) {
      return undefined;
    }
    const c = delta.counts;
    const business = summarizeBusiness({
      runId,
      attempt,
      counts: c,
      latency: LatencyHistogram.fromJSON(delta.latency).stats(),
      bypass: c.influx_bypass_total > 0 && c.influx_ok_total + c.influx_fail_total === 0,
      publishedTotal,
      inDlq: await this.business.dlqEntries(runId, dispatchedAt),
    });
    await this.artifacts.writeJson(dir, 'business-summary.json', business);
    return business;
  }

  /** Streams the backend's log for the attempt into backend.log (BACKEND_LOG_CMD). */
  private startBackendLog(dir: string): ReturnType<typeof spawn> | undefined {
    if (!this.env.BACKEND_LOG_CMD) {
      return undefined;
    }
    const fd = openSync(join(dir, 'backend.log'), 'a');
    const child = spawn('sh', ['-c', this.env.BACKEND_LOG_CMD], {
      stdio: ['ignore', fd, fd],
      detached: false,
    });
    closeSync(fd);
    child.on('error', () => undefined);
    return child;
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

function stopProcessGroup(child: ReturnType<typeof spawn> | undefined): void {
  if (child?.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
  }
}
