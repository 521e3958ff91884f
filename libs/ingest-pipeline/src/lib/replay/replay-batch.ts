import { Inject, Injectable } from '@nestjs/common';
import { Job, type Queue } from 'bullmq';
import { IdempotencyStore } from '@sousvide/idempotency';
import { DeliveryParser } from '../parse/delivery-parser';
import { MessageStorage, type StorageOutcome } from '../storage/message-storage';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import { REPLAYER_DLQ_QUEUE } from './replay.constants';
import { readDlqEntry, type StoredDlqEntry } from './dlq-entry.util';
import type { EntryExporter } from './entry-exporter';
import { ReplayClaims } from './replay-claims';
import { ReplayRecorder } from './replay-record';
import type { ReplayReport } from './replay-report';

interface Decoded {
  job: Job;
  entry: StoredDlqEntry;
  msg: TelemetryV1;
}

/**
 * Replays one batch of DLQ job ids: claim -> fetch -> decode -> skip if already stored -> store ->
 * commit and count -> remove. An entry leaves the DLQ only after its message is known stored;
 * anything else leaves it in place (with the new error in `lastReplay`), so a failed or
 * interrupted replay never loses an entry. A message that a redelivery or an earlier replay
 * already stored (its identity is committed, ADR 0005) is removed as `skipped_duplicate` without
 * being written again.
 */
@Injectable()
export class ReplayBatch {
  constructor(
    @Inject(REPLAYER_DLQ_QUEUE) private readonly queue: Queue,
    private readonly claims: ReplayClaims,
    private readonly storage: MessageStorage,
    private readonly idempotency: IdempotencyStore,
    private readonly recorder: ReplayRecorder,
    private readonly parser: DeliveryParser,
  ) {}

  async run(ids: string[], report: ReplayReport, exporter?: EntryExporter): Promise<void> {
    const dryRun = report.dryRun;
    const owned = dryRun ? new Set(ids) : await this.claims.claim(ids);
    for (const id of ids.filter((i) => !owned.has(i))) {
      report.count(kindOfJobId(id), 'skipped_duplicate');
    }
    const fetched = await Promise.all([...owned].map((id) => Job.fromId(this.queue, id)));
    const jobs = fetched.filter((j): j is Job => j !== undefined);
    const release: string[] = [];
    for (const id of [...owned].filter((i) => !jobs.some((j) => j.id === i))) {
      // Gone since we listed it: another replayer (or an operator) handled it.
      report.count(kindOfJobId(id), 'skipped_duplicate');
      release.push(id);
    }
    await exporter?.write(jobs);

    const decoded: Decoded[] = [];
    const failed: { job: Job; entry: StoredDlqEntry; error: string }[] = [];
    for (const job of jobs) {
      const read = readDlqEntry(job.data);
      if (!read.ok) {
        // Corrupt data cannot be re-driven or safely annotated: leave it untouched for a human.
        report.count(kindOfJobId(job.id), 'corrupt');
        release.push(job.id ?? '');
        continue;
      }
      // Re-validates with the gateway's current rules (a schema fix makes `parse` entries
      // replayable), the ts window measured from when the entry was dead-lettered.
      const parsed = this.parser.parse({
        topic: read.entry.topic,
        payload: read.payload,
        receivedAt: read.entry.failedAt,
      });
      if (parsed.ok) {
        decoded.push({ job, entry: read.entry, msg: parsed.msg });
      } else {
        failed.push({
          job,
          entry: read.entry,
          error: `${parsed.error.code}: ${parsed.error.message}`,
        });
      }
    }
    const done = await this.idempotency.committed(decoded.map((d) => d.msg)).catch(
      () => decoded.map(() => false), // unknown: re-drive; the sinks are idempotent
    );
    const duplicates = decoded.filter((_, i) => done[i]);
    const toStore = decoded.filter((_, i) => !done[i]);
    if (dryRun) {
      // What a replay would do now: the check for stored messages only reads.
      toStore.forEach((d) => report.count(d.entry.kind, 'replayed'));
      duplicates.forEach((d) => report.count(d.entry.kind, 'skipped_duplicate'));
      failed.forEach((f) => report.count(f.entry.kind, 'failed_again'));
      return;
    }

    // Both stages for every kind, whatever stage it failed in: both are idempotent, and a `parse`
    // entry that a schema fix made valid never reached either.
    const outcomes = await this.storage.store(toStore.map((d) => d.msg));
    const errors = outcomes.map(storageError);
    const stored = toStore.filter((_, i) => errors[i] === undefined);
    toStore.forEach((d, i) => {
      const error = errors[i];
      if (error !== undefined) {
        failed.push({ job: d.job, entry: d.entry, error });
      }
    });
    const recorded = await this.record(stored.map((d) => d.msg));
    if (typeof recorded === 'string') {
      // Stored, but not marked or counted: leave the entries; the next replay skips them as stored.
      stored.forEach((d) => failed.push({ job: d.job, entry: d.entry, error: recorded }));
    }
    const removable = [
      ...duplicates.map((d) => ({ d, outcome: 'skipped_duplicate' as const })),
      // A message recorded before this commit (by a gateway's redelivery since the check, or an
      // earlier entry of this batch: the same message failed in two stages) is a duplicate.
      ...(typeof recorded === 'string'
        ? []
        : stored.map((d, i) => ({
            d,
            outcome: recorded[i] ? ('replayed' as const) : ('skipped_duplicate' as const),
          }))),
    ];
    await Promise.all(
      removable.map(async ({ d, outcome }) => {
        const removeError = await this.remove(d.job);
        if (removeError === 'gone') {
          report.count(d.entry.kind, outcome === 'replayed' ? 'replayed' : 'skipped_duplicate');
        } else if (removeError !== undefined) {
          // Stored but still queued: a later replay skips it as already stored.
          failed.push({ job: d.job, entry: d.entry, error: removeError });
        } else {
          report.count(d.entry.kind, outcome);
        }
      }),
    );
    await Promise.all(failed.map((f) => this.recordFailure(f.job, f.entry, f.error)));
    failed.forEach((f) => report.count(f.entry.kind, 'failed_again'));
    await this.claims.release([...release, ...failed.map((f) => f.job.id ?? '')]);
  }

  /**
   * Marks replayed messages as stored and counts the ones it recorded first in their runs'
   * `replayed_total` (one script: ReplayRecorder), so the loss accounting sees each message once.
   * Per message, whether it was new; else the error.
   */
  private async record(messages: TelemetryV1[]): Promise<boolean[] | string> {
    try {
      return await this.recorder.record(messages);
    } catch (err) {
      return `RECORD: ${(err as Error).message}`;
    }
  }

  /**
   * Removes a stored entry: undefined when removed, 'gone' when a concurrent replayer (or an
   * operator) removed it first, else the error.
   */
  private async remove(job: Job): Promise<undefined | 'gone' | string> {
    try {
      await job.remove();
      return undefined;
    } catch (err) {
      const gone = await Job.fromId(this.queue, job.id ?? '').then(
        (j) => j === undefined,
        () => false,
      );
      return gone ? 'gone' : `REMOVE: ${(err as Error).message}`;
    }
  }

  /** Leaves the entry in the DLQ with the latest error, so operators see why it is still there. */
  private async recordFailure(job: Job, entry: StoredDlqEntry, error: string): Promise<void> {
    const attempts = (entry.lastReplay?.attempts ?? 0) + 1;
    await job
      .updateData({ ...entry, lastReplay: { at: Date.now(), error, attempts } })
      .catch(() => undefined); // removed meanwhile: nothing left to annotate
  }
}

/** The first failed stage as `lastReplay.error` shows it ("CODE: message"); undefined when stored. */
function storageError(o: StorageOutcome): string | undefined {
  if (o.influx) {
    return `INFLUX_${o.influx.code}: ${o.influx.error}`;
  }
  return o.redis === undefined ? undefined : `REDIS: ${o.redis}`;
}

/** Kind from a job id (`<kind>__<key>`, see dlqJobId) when the data cannot be trusted. */
function kindOfJobId(id: string | undefined): string | undefined {
  return id?.split('__')[0];
}
