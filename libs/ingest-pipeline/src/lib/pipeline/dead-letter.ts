import { NO_RUN_ID, type DlqEntry } from '@sousvide/loadtest-contracts';
import { fullJitterBackoffMs } from '@sousvide/shared-util';
import { abortableDelay } from '../util/abortable-delay';
import type { BatchAccounting } from './batch-accounting';

/** The DLQ as the pipeline sees it: `spooled` entries went to the local spool instead. */
export interface DlqSink {
  addMany(entries: readonly DlqEntry[]): Promise<{
    failed: { entry: DlqEntry; error: string }[];
    spooled?: readonly DlqEntry[];
  }>;
}

/** Thrown when the batch was given up while its failures had nowhere durable to go. */
export class NotDurableError extends Error {
  readonly code = 'NOT_DURABLE';
}

const RETRY = { baseMs: 200, capMs: 5000 };

/**
 * Queues the batch's failures and counts each as a DLQ or a spool entry. What neither the DLQ
 * nor the spool takes (Redis down and the spool full) is tried again, with backoff, until it is
 * taken: those messages are not durable anywhere, so the batch must not be acknowledged, and
 * waiting here holds the broker's flow back instead of losing them. `signal` gives up (shutdown):
 * then it throws {@link NotDurableError} and the broker keeps the messages.
 */
export async function deadLetter(
  acc: BatchAccounting,
  dlq: DlqSink,
  log: (obj: Record<string, unknown>, msg: string) => void,
  signal?: AbortSignal,
): Promise<void> {
  const spooled = new Set<DlqEntry>();
  let pending: readonly DlqEntry[] = acc.dlq;
  for (let attempt = 0; pending.length > 0; attempt += 1) {
    const res = await dlq.addMany(pending);
    (res.spooled ?? []).forEach((e) => spooled.add(e));
    if (res.failed.length === 0) {
      break;
    }
    if (attempt === 0) {
      log(
        { entries: res.failed.length, error: res.failed[0]?.error },
        'DLQ and spool refused failed messages: holding them unacknowledged and retrying',
      );
    }
    pending = res.failed.map((f) => f.entry);
    await abortableDelay(fullJitterBackoffMs(attempt, RETRY), signal);
    if (signal?.aborted) {
      throw new NotDurableError(`${pending.length} failed messages had nowhere durable to go`);
    }
  }
  for (const entry of acc.dlq) {
    acc.count(entry.runId ?? NO_RUN_ID, spooled.has(entry) ? 'spooled_total' : 'dlq_total');
  }
}
