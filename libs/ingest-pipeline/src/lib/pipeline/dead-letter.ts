import { NO_RUN_ID, type DlqEntry } from '@sousvide/loadtest-contracts';
import type { BatchAccounting } from './batch-accounting';

/** The DLQ as the pipeline sees it: `spooled` entries went to the local spool instead. */
export interface DlqSink {
  addMany(entries: readonly DlqEntry[]): Promise<{
    failed: { entry: DlqEntry; error: string }[];
    spooled?: readonly DlqEntry[];
  }>;
}

/**
 * Queues the batch's failures and counts each as a DLQ or a spool entry. Returns how many neither
 * took: those are lost, and logged.
 */
export async function deadLetter(
  acc: BatchAccounting,
  dlq: DlqSink,
  log: (obj: Record<string, unknown>, msg: string) => void,
): Promise<number> {
  if (acc.dlq.length === 0) {
    return 0;
  }
  const res = await dlq.addMany(acc.dlq);
  if (res.failed.length > 0) {
    log(
      { lost: res.failed.length, error: res.failed[0]?.error },
      'DLQ and spool refused failed messages',
    );
  }
  const notQueued = new Set(res.failed.map((f) => f.entry));
  const spooled = new Set(res.spooled ?? []);
  for (const entry of acc.dlq) {
    if (!notQueued.has(entry)) {
      acc.count(entry.runId ?? NO_RUN_ID, spooled.has(entry) ? 'spooled_total' : 'dlq_total');
    }
  }
  return res.failed.length;
}
