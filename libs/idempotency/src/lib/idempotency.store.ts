import type { Redis } from 'ioredis';
import { BUCKET_MS, bucketMember } from './bucket-member';
import type { MessageIdentity } from './message-identity';

export interface IdempotencyStoreOptions {
  /**
   * How long a committed identity is remembered, in seconds (ADR 0005: at least the DLQ
   * retention). Default 24 h.
   */
  ttlSec?: number;
  /** Key prefix (default `idem`), so tests and tenants can share a Redis. */
  prefix?: string;
}

export const IDEMPOTENCY_DEFAULTS = {
  ttlSec: 86_400,
  prefix: 'idem',
} as const;

/**
 * One identity as the commit script reads it (ADR 0026): `bucket,seq,ts,member,<deviceId's byte
 * length>:deviceId`, the device last and length-prefixed so any id reads back. A batch's
 * identities go as one argument, concatenated: one argument per batch instead of three per
 * message, each of which cost the gateway its encoding and write (docs/benchmarks.md).
 */
function packedIdentity(m: MessageIdentity): string {
  const { bucket, member } = identityParts(m);
  return `${bucket},${m.seq ?? '-'},${m.ts},${member},${Buffer.byteLength(m.deviceId)}:${m.deviceId}`;
}

/** The Lua pattern of one {@link packedIdentity}: bucket, seq, ts, member, the id's length, where it begins. */
const PACKED_IDENTITY_PATTERN = '([^,]*),([^,]*),([^,]*),([^,]*),(%d+):()';

/**
 * Where an identity is recorded: its bucket (the set `<prefix>:done:<deviceId>:<bucket>`) and its
 * member in that set (bucket-member.ts), as the keys and members the scripts are given.
 */
export function identityParts(m: MessageIdentity): { bucket: string; member: string } {
  return { bucket: String(Math.floor(m.ts / BUCKET_MS)), member: bucketMember(m) };
}

/**
 * `commitIdentity(prefix, ttl, dev, bucket, member)`: records one identity as stored and refreshes
 * its set's TTL; 1 when it was new, 0 when it had been recorded before (a duplicate). The key is
 * built exactly as `committed` builds it. For a caller that composes scripts (the gateway's
 * settle, ADR 0050).
 */
export const COMMIT_IDENTITY_LUA = `
local function commitIdentity(prefix, ttl, dev, bucket, member)
  local key = prefix .. ':done:' .. dev .. ':' .. bucket
  local added = redis.call('SADD', key, member)
  redis.call('EXPIRE', key, ttl)
  return added
end`;

/**
 * Records each identity as stored. ARGV: the TTL, the key prefix, the packed identities. Returns
 * one character per identity, in order: '1' new, '0' recorded before.
 */
const COMMIT_LUA = `${COMMIT_IDENTITY_LUA}
local out, pos, n = {}, 1, #ARGV[3]
while pos <= n do
  local bucket, seq, ts, member, len, at =
    string.match(ARGV[3], '^${PACKED_IDENTITY_PATTERN}', pos)
  local dev = string.sub(ARGV[3], at, at + tonumber(len) - 1)
  pos = at + tonumber(len)
  out[#out + 1] = commitIdentity(ARGV[2], ARGV[1], dev, bucket, member)
end
return table.concat(out)`;

/** Versioned so a changed script never collides with an older definition on a shared client. */
const COMMIT = 'idempotencyCommitV3';

type Scripted = Record<
  typeof COMMIT,
  (numKeys: number, ...args: (string | number)[]) => Promise<unknown>
>;

/**
 * The committed identities of ADR 0005, as ADR 0050 uses them: a message is recorded after its
 * side effects succeeded, and recording it says whether it had been recorded before. Storing a
 * copy twice is harmless (the store keeps one point per series and timestamp), so there is no
 * claim before the side effects: two copies stored at once are both written, and the one recorded
 * second is the duplicate. A crash before the record leaves nothing, so the broker's redelivery is
 * stored and recorded as new. Every call is one round trip for a whole batch and rejects when
 * Redis fails: the caller decides how to degrade.
 */
export class IdempotencyStore {
  readonly ttlSec: number;
  readonly prefix: string;
  private readonly scripts: Scripted;

  constructor(
    private readonly redis: Redis,
    opts: IdempotencyStoreOptions = {},
  ) {
    this.ttlSec = positiveInt('ttlSec', opts.ttlSec ?? IDEMPOTENCY_DEFAULTS.ttlSec);
    this.prefix = opts.prefix ?? IDEMPOTENCY_DEFAULTS.prefix;
    if (!(COMMIT in redis)) {
      redis.defineCommand(COMMIT, { lua: COMMIT_LUA });
    }
    this.scripts = redis as unknown as Scripted;
  }

  /**
   * Records messages as stored (remembered for `ttlSec`); per message, in order, whether it was
   * new (false: recorded before, or an earlier copy in the same call).
   */
  async commit(messages: readonly MessageIdentity[]): Promise<boolean[]> {
    if (messages.length === 0) {
      return [];
    }
    const res = await this.scripts[COMMIT](
      0,
      this.ttlSec,
      this.prefix,
      messages.map(packedIdentity).join(''),
    );
    return [...String(res)].map((c) => c === '1');
  }

  /** Whether each message was recorded as stored: the replayer's duplicate check. */
  async committed(messages: readonly MessageIdentity[]): Promise<boolean[]> {
    if (messages.length === 0) {
      return [];
    }
    const pipeline = this.redis.pipeline();
    for (const m of messages) {
      const { bucket, member } = identityParts(m);
      pipeline.sismember(`${this.prefix}:done:${m.deviceId}:${bucket}`, member);
    }
    const res = (await pipeline.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) {
        throw err;
      }
      return v === 1;
    });
  }
}

function positiveInt(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new RangeError(`IdempotencyStore: ${what} must be a positive integer, got ${n}`);
  }
  return n;
}
