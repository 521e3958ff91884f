import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import { rawKey, runIdOfRaw } from '@sousvide/idempotency';
import { decodeTelemetry, TelemetryParseError } from '@sousvide/telemetry-schema';
import type { BatchAccounting } from './batch-accounting';
import type { ParsedMessage } from './parsed-message';
import type { RawMessage } from './raw-message';

/**
 * Parses every delivered copy. One that does not parse is counted received and failed against
 * the run named in its raw text (so `recv_total` matches what the run published) and becomes a
 * `parse` DLQ entry keyed by its content hash.
 */
export function parseBatch(batch: readonly RawMessage[], acc: BatchAccounting): ParsedMessage[] {
  const parsed: ParsedMessage[] = [];
  for (const raw of batch) {
    try {
      const msg = decodeTelemetry(raw.payload);
      parsed.push({ raw, msg, runId: msg.runId ?? NO_RUN_ID });
    } catch (err) {
      const runId = runIdOfRaw(raw.payload);
      const e =
        err instanceof TelemetryParseError ? err : new TelemetryParseError('INVALID', String(err));
      acc.count(runId, 'recv_total');
      acc.count(runId, 'parse_fail_total');
      acc.fail(
        'parse',
        { key: rawKey(raw.payload), topic: raw.topic, payload: raw.payload, runId },
        { code: e.code, message: e.message },
      );
    }
  }
  return parsed;
}
