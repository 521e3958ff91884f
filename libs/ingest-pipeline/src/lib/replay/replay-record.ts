import type { Redis } from 'ioredis';
import { COMMIT_IDENTITY_LUA, type IdempotencyStore } from '@sousvide/idempotency';
import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import { RUN_KEYS } from '@sousvide/run-accounting';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import {
  identityScriptArgs,
  packSettled,
  scriptKeys,
  SETTLED_MESSAGE_FORMAT,
} from '../counters/settle-identities';

/**
 * Records each replayed message as stored and counts the ones it recorded first in their run's
 * `replayed_total`, in one script: a commit that succeeded can never miss its count (the next
 * replay would find the message stored and remove its entry uncounted) nor count one recorded
 * before. KEYS: the runs' counter hashes. ARGV: the key prefix, the identities' TTL, the counters'
 * TTL, the messages packed as SETTLED_MESSAGE_FORMAT (its record flag, seq and ts unused; r: the
 * run's key). Returns one character per message, in order: '1' new, '0' recorded before.
 */
const REPLAY_RECORD_LUA = `${COMMIT_IDENTITY_LUA}
local prefix, ttl, packed = ARGV[1], ARGV[2], ARGV[4]
local out, counted, pos, n = {}, {}, 1, #packed
while pos <= n do
  local s, r, seq, ts, bucket, member, dev
  s, r, seq, ts, bucket, member, dev, pos = struct.unpack('${SETTLED_MESSAGE_FORMAT}', packed, pos)
  local new = commitIdentity(prefix, ttl, dev, bucket, member)
  out[#out + 1] = new
  if new == 1 then
    redis.call('HINCRBY', KEYS[r], 'replayed_total', 1)
    counted[r] = true
  end
end
for r in pairs(counted) do redis.call('EXPIRE', KEYS[r], ARGV[3]) end
return table.concat(out)`;

/** Versioned so a changed script never collides with an older definition on a shared client. */
const REPLAY_RECORD = 'replayRecordV1';

type WithScript = Record<
  typeof REPLAY_RECORD,
  (numKeys: number, ...args: (string | number | Buffer)[]) => Promise<unknown>
>;

/** The replayer's record step (see REPLAY_RECORD_LUA): one round trip for a batch. */
export class ReplayRecorder {
  constructor(
    private readonly redis: Redis,
    private readonly idempotency: Pick<IdempotencyStore, 'prefix' | 'ttlSec'>,
  ) {
    if (!(REPLAY_RECORD in redis)) {
      redis.defineCommand(REPLAY_RECORD, { lua: REPLAY_RECORD_LUA });
    }
  }

  /** Per message, in order, whether this call recorded it first. Rejects when Redis fails. */
  async record(messages: readonly TelemetryV1[]): Promise<boolean[]> {
    if (messages.length === 0) {
      return [];
    }
    const { keys, indexOf } = scriptKeys();
    const packed = packSettled(
      messages.map((msg) => ({
        record: true,
        r: indexOf(RUN_KEYS.runCounters(msg.runId ?? NO_RUN_ID)),
        msg,
      })),
    );
    const reply = await (this.redis as unknown as WithScript)[REPLAY_RECORD](
      ...identityScriptArgs(keys, this.idempotency, packed),
    );
    const text = Buffer.isBuffer(reply) ? reply.toString('latin1') : String(reply);
    if (text.length !== messages.length || /[^01]/.test(text)) {
      throw new Error(`unexpected reply from the record script: ${text.slice(0, 40)}`);
    }
    return [...text].map((c) => c === '1');
  }
}
