import type { ClaimOutcome } from '@sousvide/idempotency';
import type { SequenceSighting } from '@sousvide/run-accounting';
import type { ParsedMessage } from './parsed-message';

/** The batch's parsed copies with a seq per run, in arrival order, marked duplicate as the claims said. */
export function sightingsOf(
  parsed: readonly ParsedMessage[],
  claims: readonly ClaimOutcome[],
): Map<string, SequenceSighting[]> {
  const byRun = new Map<string, SequenceSighting[]>();
  parsed.forEach((p, i) => {
    // Without a seq there is no order to check (a device that sends none is not tracked).
    if (p.msg.seq === undefined) {
      return;
    }
    let list = byRun.get(p.runId);
    if (!list) {
      list = [];
      byRun.set(p.runId, list);
    }
    list.push({
      deviceId: p.msg.deviceId,
      seq: p.msg.seq,
      ts: p.msg.ts,
      duplicate: (claims[i] ?? 'new') !== 'new',
    });
  });
  return byRun;
}
