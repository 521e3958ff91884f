import type { ChainableCommander, Redis } from 'ioredis';
import {
  COMMIT_IDENTITY_LUA,
  PACKED_IDENTITY_PATTERN,
  packedIdentity,
  type IdempotencyStore,
  type MessageIdentity,
} from '@sousvide/idempotency';
import { DEVICE_SEQUENCE_STEP_LUA, RUN_KEYS, RUN_KEYS_TTL_SEC } from '@sousvide/run-accounting';

/** A received message a settle records: its identity and the run whose device state it moves. */
export interface SettledMessage {
  msg: MessageIdentity;
  runId: string;
}

/** What one batch's settle records of its messages (ADR 0050). */
export interface IdentitySettlement {
  /**
   * Messages every required stage stored: recorded as stored; one recorded before (by any
   * gateway, or earlier in this batch) is a duplicate, and the settle's reply says which.
   */
  stored: readonly SettledMessage[];
  /**
   * Messages received but not stored (dead-lettered or spooled): not recorded, so a redelivery
   * or the replay stores them; they move their device's sequence state as received.
   */
  unstored: readonly SettledMessage[];
}

/**
 * Per message: `s,r,` then its packed identity; `s` 1 records it (stored), 0 does not; `r` is the
 * index of its run's device-state key in KEYS, 0 when it has no seq (not tracked). The record's
 * answer is the sighting's `dup`, so the device state and the duplicate count agree by
 * construction. ARGV: the key prefix, the identities' TTL, the device states' TTL, the packed
 * messages. Returns one character per message, in order: '1' a duplicate, '0' not.
 */
const SETTLE_IDENTITIES_LUA = `${COMMIT_IDENTITY_LUA}
${DEVICE_SEQUENCE_STEP_LUA}
local prefix, ttl, packed = ARGV[1], ARGV[2], ARGV[4]
local out, pos, n = {}, 1, #packed
while pos <= n do
  local s, r, bucket, seq, ts, member, len, at =
    string.match(packed, '^(%d),(%d+),${PACKED_IDENTITY_PATTERN}', pos)
  local dev = string.sub(packed, at, at + tonumber(len) - 1)
  pos = at + tonumber(len)
  local dup = 0
  if s == '1' and commitIdentity(prefix, ttl, dev, bucket, member) == 0 then dup = 1 end
  out[#out + 1] = dup
  if r ~= '0' then sequenceStep(KEYS[tonumber(r)], dev, tonumber(seq), tonumber(ts), dup) end
end
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return table.concat(out)`;

/** The section, for the gateway's batch script (ADR 0025); its first argument is the key count. */
export const SETTLE_IDENTITIES_SCRIPT = {
  name: 'ingestSettleIdentitiesV1',
  lua: SETTLE_IDENTITIES_LUA,
} as const;

type WithScript<R> = Record<
  typeof SETTLE_IDENTITIES_SCRIPT.name,
  (numKeys: number, ...args: (string | number)[]) => R
>;

/**
 * Queues a batch's identities on the settle (ADR 0050): the stored ones recorded, every one's
 * sighting applied to its device's sequence state (ADR 0020) with the record's answer as its
 * duplicate flag, in one pass over one packed argument.
 */
export class IdentitySettler {
  constructor(
    redis: Redis,
    private readonly idempotency: Pick<IdempotencyStore, 'prefix' | 'ttlSec'>,
  ) {
    if (!(SETTLE_IDENTITIES_SCRIPT.name in redis)) {
      redis.defineCommand(SETTLE_IDENTITIES_SCRIPT.name, { lua: SETTLE_IDENTITIES_SCRIPT.lua });
    }
  }

  /** Queues the settlement on `tx`; false (nothing queued) when it holds no message. */
  settleIn(tx: ChainableCommander, settlement: IdentitySettlement): boolean {
    if (settlement.stored.length + settlement.unstored.length === 0) {
      return false;
    }
    const keys: string[] = [];
    const index = new Map<string, number>();
    let packed = '';
    const pack = (list: readonly SettledMessage[], record: string): void => {
      for (const { msg, runId } of list) {
        let r = 0;
        if (msg.seq !== undefined) {
          r = index.get(runId) ?? 0;
          if (r === 0) {
            keys.push(RUN_KEYS.runDevices(runId));
            r = keys.length;
            index.set(runId, r);
          }
        }
        packed += `${record},${r},${packedIdentity(msg)}`;
      }
    };
    pack(settlement.stored, '1');
    pack(settlement.unstored, '0');
    (tx as unknown as WithScript<ChainableCommander>)[SETTLE_IDENTITIES_SCRIPT.name](
      keys.length,
      ...keys,
      this.idempotency.prefix,
      this.idempotency.ttlSec,
      RUN_KEYS_TTL_SEC,
      packed,
    );
    return true;
  }
}

/**
 * The settle's reply read back: per stored message, in order, whether it was a duplicate;
 * undefined when the reply is not the script's (a failed settle).
 */
export function duplicatesOf(reply: unknown, stored: number): boolean[] | undefined {
  const text = Buffer.isBuffer(reply) ? reply.toString('latin1') : reply;
  if (typeof text !== 'string' || text.length < stored) {
    return undefined;
  }
  return Array.from({ length: stored }, (_, i) => text.charCodeAt(i) === 49);
}
