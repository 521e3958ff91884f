import { Job, Queue } from 'bullmq';
import type Redis from 'ioredis';
import {
  addFailureCounts,
  emptyFailureCounts,
  type FailureCounts,
  LOADTEST_KEY_TTL_SEC,
  LOADTEST_KEYS,
  PartOutcome,
  PartitionProgress,
  PartitionResult,
  PartitionSpec,
} from '@sousvide/loadtest-contracts';

/**
 * BullMQ's reason for a job whose lock expired while it was active, when another worker's
 * stalled-job check finds it first (the agents run with `maxStalledCount: 0`, so it fails at once
 * instead of going back to wait): its agent died, exactly as a lock missing twice in a row says.
 */
export const BULLMQ_STALLED_REASON = 'job stalled more than allowable limit';

/** A part whose agent stopped renewing its job lock: the process died or lost Redis. */
export function agentLostMessage(agentId: string | undefined): string {
  return `agent lost: ${agentId ?? 'unknown agent'} stopped renewing its job lock`;
}

/**
 * A failed part's error: the agent's own reason, or, when BullMQ failed the job as stalled (a
 * surviving agent noticed the dead one's lock gone before this coordinator did), the same "agent
 * lost" the coordinator's own lock check gives, whichever saw it first.
 */
export function partFailedMessage(failedReason: string, agentId: string | undefined): string {
  return failedReason === BULLMQ_STALLED_REASON
    ? `${agentLostMessage(agentId)} (BullMQ failed its job as stalled)`
    : `agent failed: ${failedReason}`;
}

export interface AttemptProgress {
  phase: 'waiting' | 'connecting' | 'publishing' | 'finishing';
  parts: number;
  partsDone: number;
  connected: number;
  devices: number;
  published: number;
  failed: number;
  /** The per-second series' extras, summed over parts (max for the lag); see PartitionProgress. */
  reconnecting: number;
  due: number;
  failures: FailureCounts;
  lagMaxMs: number;
}

export interface SuperviseOptions {
  specs: PartitionSpec[];
  deadlineAt: number;
  /** Delay between the last partition connecting and the common start. */
  startDelayMs: number;
  signal: AbortSignal;
  /** The merged progress after every poll (every `pollMs`), the last after every part ended. */
  onProgress: (p: AttemptProgress) => void;
  pollMs?: number;
  /** How long agents get to return partial results after an abort. */
  abortGraceMs?: number;
  /** A part no agent has taken after this long fails the attempt (no free agent capacity). */
  pickupTimeoutMs?: number;
}

interface PartState {
  spec: PartitionSpec;
  jobId: string;
  result?: PartitionResult;
  error?: string;
  progress?: PartitionProgress;
  lockMissing: number;
}

/**
 * Watches one attempt's jobs: releases the start barrier once every part has connected, and turns
 * failures, a missing lock (dead agent), the part timeout and Ctrl-C into per-part outcomes.
 */
export class AttemptSupervisor {
  constructor(
    private readonly queue: Queue,
    private readonly redis: Redis,
  ) {}

  async supervise(jobIds: string[], o: SuperviseOptions): Promise<PartOutcome[]> {
    const { runId, attempt } = o.specs[0];
    const parts: PartState[] = o.specs.map((spec, i) => ({
      spec,
      jobId: jobIds[i],
      lockMissing: 0,
    }));
    const pollMs = o.pollMs ?? 250;
    let startAt: number | undefined;
    let abortedAt: number | undefined;
    let abortReason: string | undefined;
    const abort = async (reason: string): Promise<void> => {
      if (abortedAt === undefined) {
        abortedAt = Date.now();
        abortReason = reason;
        await this.redis.set(
          LOADTEST_KEYS.abort(runId, attempt),
          reason,
          'EX',
          LOADTEST_KEY_TTL_SEC,
        );
      }
    };
    const dispatchedAt = Date.now();
    const pickupTimeoutMs = o.pickupTimeoutMs ?? 30_000;
    for (;;) {
      await Promise.all(parts.filter((p) => !this.settled(p)).map((p) => this.refresh(p)));
      const open = parts.filter((p) => !this.settled(p));
      const now = Date.now();
      // Every poll: a reader sampling once a second on its own clock must always find a view at
      // most one poll old. Reported at most once a second, a second without a report came every
      // 5-10 s (the report's period was a second plus the poll's phase), and the per-second
      // series showed 0 acks there while the agents published steadily (docs/benchmarks.md).
      o.onProgress(this.progressOf(parts, startAt));
      if (open.length === 0) {
        break;
      }
      if (abortedAt !== undefined) {
        if (now - abortedAt > (o.abortGraceMs ?? 15_000)) {
          for (const p of open) {
            p.error = abortReason ?? 'aborted';
          }
          break;
        }
      } else if (o.signal.aborted) {
        await abort('interrupted (Ctrl-C): partial results only');
      } else if (now > o.deadlineAt) {
        for (const p of open) {
          p.error = `timeout: no result within PART_TIMEOUT_SECONDS (phase ${p.progress?.phase ?? 'queued'})`;
        }
        await abort('part timeout');
      } else if (
        startAt === undefined &&
        now - dispatchedAt > pickupTimeoutMs &&
        open.some((p) => !p.progress)
      ) {
        for (const p of open.filter((x) => !x.progress)) {
          p.error = `no agent took this partition within ${pickupTimeoutMs / 1000} s (agents busy, too few, or not running)`;
        }
        await abort('partitions not picked up');
      } else if (startAt === undefined && parts.some((p) => p.error !== undefined)) {
        await abort('a partition failed before the start');
      } else if (startAt === undefined && parts.every((p) => this.isConnected(p))) {
        startAt = Date.now() + o.startDelayMs;
        await this.redis.set(
          LOADTEST_KEYS.startAt(runId, attempt),
          String(startAt),
          'EX',
          LOADTEST_KEY_TTL_SEC,
        );
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    return parts.map((p) => ({
      part: p.spec.part,
      devices: p.spec.connections,
      ...(p.result ? { result: p.result } : {}),
      ...(p.error ? { error: p.error } : {}),
    }));
  }

  private settled(p: PartState): boolean {
    return p.result !== undefined || p.error !== undefined;
  }

  private isConnected(p: PartState): boolean {
    return (
      p.result !== undefined || (p.progress !== undefined && p.progress.phase !== 'connecting')
    );
  }

  private async refresh(p: PartState): Promise<void> {
    // State first, then the job: read the other way round, a job that completes in between
    // shows 'completed' with the stale (empty) return value it had while active.
    const state = await this.queue.getJobState(p.jobId);
    const job = (await Job.fromId(this.queue, p.jobId)) as
      | Job<PartitionSpec, PartitionResult>
      | undefined;
    if (!job || state === 'unknown') {
      p.error = 'job disappeared from the queue';
      return;
    }
    if (typeof job.progress === 'object' && job.progress !== null) {
      p.progress = job.progress as unknown as PartitionProgress;
    }
    if (state === 'completed') {
      // Null until BullMQ has stored it; keep polling until then.
      p.result = job.returnvalue ?? undefined;
    } else if (state === 'failed') {
      p.error = partFailedMessage(job.failedReason, p.progress?.agentId);
    } else if (state === 'active') {
      // The worker renews this lock while it lives; gone twice in a row means the agent died.
      // BullMQ has no public call for "is this job's lock held" (getWorkers cannot tell which
      // worker holds a job unless workers are named, which @Processor options cannot be per
      // process); toKey at least builds the key by BullMQ's own rules, as its scripts do.
      const lock = await this.redis.exists(`${this.queue.toKey(p.jobId)}:lock`);
      p.lockMissing = lock === 1 ? 0 : p.lockMissing + 1;
      if (p.lockMissing >= 2) {
        p.error = agentLostMessage(p.progress?.agentId);
      }
    }
  }

  private progressOf(parts: PartState[], startAt: number | undefined): AttemptProgress {
    let connected = 0;
    let published = 0;
    let failed = 0;
    let devices = 0;
    let reconnecting = 0;
    let due = 0;
    let lagMaxMs = 0;
    const failures = emptyFailureCounts();
    for (const p of parts) {
      devices += p.spec.connections;
      const src = p.result ?? p.progress;
      connected += src?.connected ?? 0;
      published += src?.published ?? 0;
      failed += src?.failed ?? 0;
      // A finished part's result has the final failures; its last progress the rest.
      addFailureCounts(failures, p.result?.publishFailures ?? p.progress?.publishFailures ?? {});
      due += p.result ? p.result.scheduled : (p.progress?.due ?? 0);
      if (!p.result && p.progress) {
        reconnecting += Math.max(
          0,
          p.progress.connected - (p.progress.online ?? p.progress.connected),
        );
        lagMaxMs = Math.max(lagMaxMs, p.progress.lagMaxMs ?? 0);
      }
    }
    const done = parts.filter((p) => this.settled(p)).length;
    const phase =
      done === parts.length
        ? 'finishing'
        : startAt !== undefined
          ? 'publishing'
          : parts.some((p) => p.progress)
            ? 'connecting'
            : 'waiting';
    return {
      phase,
      parts: parts.length,
      partsDone: done,
      connected,
      devices,
      published,
      failed,
      reconnecting,
      due,
      failures,
      lagMaxMs,
    };
  }
}
