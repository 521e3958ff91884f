import type { ChainableCommander, Redis } from 'ioredis';
import {
  COMMIT_IDENTITY_LUA,
  identityParts,
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
 * One message in the section's argument, in the notation of Redis Lua's `struct` library: record
 * it (1, stored) or not (0); the index of its run's device-state key in KEYS (0: no seq, not
 * tracked); seq (-1 without one) and ts as doubles; its bucket and member (identityParts) and
 * device id, each length-prefixed. Binary, so Redis unpacks a message in one call (ADR 0039).
 */
export const SETTLED_MESSAGE_FORMAT = '<BI2ddBc0Bc0I2c0';

/**
 * The record's answer is the sighting's `dup`, so the device state and the duplicate count agree
 * by construction. ARGV: the key prefix, the identities' TTL, the device states' TTL, the messages
 * packed as SETTLED_MESSAGE_FORMAT. Returns one character per message, in order: '1' a duplicate,
 * '0' not.
 */
const SETTLE_IDENTITIES_LUA = `${COMMIT_IDENTITY_LUA}
${DEVICE_SEQUENCE_STEP_LUA}
local prefix, ttl, packed = ARGV[1], ARGV[2], ARGV[4]
local out, pos, n = {}, 1, #packed
while pos <= n do
  local s, r, seq, ts, bucket, member, dev
  s, r, seq, ts, bucket, member, dev, pos = struct.unpack('${SETTLED_MESSAGE_FORMAT}', packed, pos)
  local dup = 0
  if s == 1 and commitIdentity(prefix, ttl, dev, bucket, member) == 0 then dup = 1 end
  out[#out + 1] = dup
  if r ~= 0 then sequenceStep(KEYS[r], dev, seq, ts, dup) end
end
for i = 1, #KEYS do redis.call('EXPIRE', KEYS[i], ARGV[3]) end
return table.concat(out)`;

/** The section, for the gateway's batch script (ADR 0025); its first argument is the key count. */
export const SETTLE_IDENTITIES_SCRIPT = {
  name: 'ingestSettleIdentitiesV2',
  lua: SETTLE_IDENTITIES_LUA,
} as const;

type WithScript<R> = Record<
  typeof SETTLE_IDENTITIES_SCRIPT.name,
  (numKeys: number, ...args: (string | number | Buffer)[]) => R
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
    const { keys, indexOf } = scriptKeys();
    const runIndex = ({ msg, runId }: SettledMessage): number =>
      msg.seq === undefined ? 0 : indexOf(RUN_KEYS.runDevices(runId));
    const packed = packSettled([
      ...settlement.stored.map((m) => ({ record: true, r: runIndex(m), msg: m.msg })),
      ...settlement.unstored.map((m) => ({ record: false, r: runIndex(m), msg: m.msg })),
    ]);
    (tx as unknown as WithScript<ChainableCommander>)[SETTLE_IDENTITIES_SCRIPT.name](
      ...identityScriptArgs(keys, this.idempotency, packed),
    );
    return true;
  }
}

/** A script's KEYS as its messages name them: `indexOf` gives a key's 1-based index, adding it. */
export function scriptKeys(): { keys: string[]; indexOf: (key: string) => number } {
  const keys: string[] = [];
  const index = new Map<string, number>();
  return {
    keys,
    indexOf: (key) => {
      let i = index.get(key);
      if (i === undefined) {
        keys.push(key);
        i = keys.length;
        index.set(key, i);
      }
      return i;
    },
  };
}

/**
 * The arguments of a script over packed identities: the key count, KEYS, then ARGV: the
 * identities' key prefix and TTL, the run keys' TTL, the messages.
 */
export function identityScriptArgs(
  keys: readonly string[],
  idempotency: Pick<IdempotencyStore, 'prefix' | 'ttlSec'>,
  packed: Buffer,
): [number, ...(string | number | Buffer)[]] {
  return [keys.length, ...keys, idempotency.prefix, idempotency.ttlSec, RUN_KEYS_TTL_SEC, packed];
}

/** The messages as SETTLED_MESSAGE_FORMAT, back to back. */
export function packSettled(
  list: readonly { record: boolean; r: number; msg: MessageIdentity }[],
): Buffer {
  const parts = list.map(({ msg }) => ({
    ...identityParts(msg),
    dev: Buffer.byteLength(msg.deviceId),
  }));
  let size = 0;
  for (const p of parts) {
    if (p.dev > 0xffff) {
      throw new RangeError(`device id of ${p.dev} bytes: a settle holds at most 65535`);
    }
    size += 23 + p.bucket.length + p.member.length + p.dev;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  list.forEach(({ record, r, msg }, i) => {
    const { bucket, member, dev } = parts[i];
    out[at] = record ? 1 : 0;
    out.writeUInt16LE(r, at + 1);
    out.writeDoubleLE(msg.seq ?? -1, at + 3);
    out.writeDoubleLE(msg.ts, at + 11);
    at += 19;
    out[at] = bucket.length;
    at += 1 + out.write(bucket, at + 1, 'latin1');
    out[at] = member.length;
    at += 1 + out.write(member, at + 1, 'latin1');
    out.writeUInt16LE(dev, at);
    at += 2 + out.write(msg.deviceId, at + 2);
  });
  return out;
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
