import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import { rawKey, runIdOfRaw } from '@sousvide/idempotency';
import type { DeliveryParser } from '../parse/delivery-parser';
import type { BatchAccounting } from './batch-accounting';
import type { ParsedMessage } from './parsed-message';
import type { RawMessage } from './raw-message';

/**
 * Parses every delivered copy (once: intake already did, see DeliveryParser). One that does not
 * parse is counted received and failed against the run named in its raw text (so `recv_total`
 * matches what the run published) and becomes a `parse` DLQ entry keyed by its content hash.
 */
export function parseBatch(
  batch: readonly RawMessage[],
  acc: BatchAccounting,
  parser: DeliveryParser,
): ParsedMessage[] {
  const parsed: ParsedMessage[] = [];
  for (const raw of batch) {
    const p = parser.parse(raw);
    if (p.ok) {
      parsed.push({ raw, msg: p.msg, runId: p.msg.runId ?? NO_RUN_ID });
    } else {
      const runId = runIdOfRaw(raw.payload);
      acc.count(runId, 'recv_total');
      acc.count(runId, 'parse_fail_total');
      acc.fail(
        'parse',
        { key: rawKey(raw.payload), topic: raw.topic, payload: raw.payload, runId },
        { code: p.error.code, message: p.error.message },
      );
    }
  }
  return parsed;
}
