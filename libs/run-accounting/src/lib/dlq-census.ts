import type { JobType, Queue } from 'bullmq';
import type { DlqEntry } from '@sousvide/loadtest-contracts';

/** Where a DLQ entry can sit: nothing consumes `ingest-dlq`; the replayer removes what it stored. */
const DLQ_STATES: JobType[] = ['waiting', 'delayed', 'prioritized', 'failed', 'active'];

/**
 * A run's entries in the DLQ now (failed at or after `sinceMs`, e.g. one attempt's), by kind, read
 * from the queue itself rather than from counters, so a loss accounting cannot agree with itself
 * by construction. Pages through every entry: O(DLQ size), fine for a run's report.
 */
export async function dlqCensus(
  queue: Queue,
  runId: string,
  sinceMs = 0,
): Promise<{ total: number; byKind: Record<string, number> }> {
  const page = 1000;
  const byKind: Record<string, number> = {};
  let total = 0;
  for (let start = 0; ; start += page) {
    const jobs = await queue.getJobs(DLQ_STATES, start, start + page - 1);
    for (const job of jobs) {
      const e = job?.data as Partial<DlqEntry> | undefined;
      if (e?.runId === runId && (e.failedAt ?? 0) >= sinceMs) {
        total += 1;
        const kind = e.kind ?? 'unknown';
        byKind[kind] = (byKind[kind] ?? 0) + 1;
      }
    }
    if (jobs.length < page) {
      return { total, byKind };
    }
  }
}
