import type { Redis } from 'ioredis';
import type { MessageIdentity } from './message-identity';

/**
 * `new`: this caller holds the claim and must commit (stored) or release (failed) it.
 * `duplicate`: the message was committed before. `in_flight`: another holder (another gateway
 * instance, or an earlier copy in the same batch) is storing it right now.
 */
export type ClaimOutcome = 'new' | 'duplicate' | 'in_flight';

export interface IdempotencyStoreOptions {
  /**
   * How long a committed identity is remembered, in seconds (ADR 0005: at least the DLQ
   * retention). Default 24 h.
   */
  ttlSec?: number;
  /**
   * How long a claim lives without a commit, in ms: longer than one batch's storage including the
   * Influx retries, short enough that a crashed holder's messages are retried soon. Default 120 s.
   */
  claimTtlMs?: number;
  /** Key prefix (default `idem`), so tests and tenants can share a Redis. */
  prefix?: string;
}

export const IDEMPOTENCY_DEFAULTS = {
  ttlSec: 86_400,
  claimTtlMs: 120_000,
  prefix: 'idem',
} as const;

/**
 * Committed identities live in Redis sets, one per device and 2^18 ms (~4.4 min) of device time,
 * holding integers: `seq << 18 | ts mod 2^18` (or `-(ts mod 2^18) - 1` without a seq). A set of
 * up to 512 int64 members is an intset in Redis, 8 bytes per member, so a device at 1 msg/s
 * costs ~8.5 bytes per message with the key overhead (ADR 0005 sizes it). Claims are plain
 * SET NX PX strings that exist only while a message is being stored.
 */
const BUCKET_BITS = 18n;
const BUCKET_MS = 2 ** Number(BUCKET_BITS);
const OFFSET_MASK = (1n << BUCKET_BITS) - 1n;

/** For each (bucket, claim) key pair and member: 1 committed, 0 claimed now, 2 claimed by another. */
const CLAIM_LUA = `
local out = {}
for i = 1, #KEYS, 2 do
  local member = ARGV[(i + 1) / 2 + 1]
  if redis.call('SISMEMBER', KEYS[i], member) == 1 then
    out[#out + 1] = 1
  elseif redis.call('SET', KEYS[i + 1], '1', 'NX', 'PX', ARGV[1]) then
    out[#out + 1] = 0
  else
    out[#out + 1] = 2
  end
end
return out`;

/** Records each member as committed, refreshes its set's TTL and drops the claim. */
const COMMIT_LUA = `
for i = 1, #KEYS, 2 do
  redis.call('SADD', KEYS[i], ARGV[(i + 1) / 2 + 1])
  redis.call('EXPIRE', KEYS[i], ARGV[1])
  redis.call('DEL', KEYS[i + 1])
end
return #KEYS / 2`;

/** Versioned so a changed script never collides with an older definition on a shared client. */
const CLAIM = 'idempotencyClaimV1';
const COMMIT = 'idempotencyCommitV1';

type Scripted = Record<
  typeof CLAIM | typeof COMMIT,
  (numKeys: number, ...args: (string | number)[]) => Promise<unknown>
>;

/**
 * The claim/commit store of ADR 0005. A caller claims before its side effects, commits after they
 * all succeeded, and releases when they failed (the message then sits in the DLQ, and a
 * redelivery may try again). A crash between claim and commit leaves a claim that expires after
 * `claimTtlMs`, so the message is retried, never dropped. Every call is one round trip for a
 * whole batch and rejects when Redis fails: the caller decides how to degrade.
 */
export class IdempotencyStore {
  private readonly ttlSec: number;
  private readonly claimTtlMs: number;
  private readonly prefix: string;
  private readonly scripts: Scripted;

  constructor(
    private readonly redis: Redis,
    opts: IdempotencyStoreOptions = {},
  ) {
    this.ttlSec = positiveInt('ttlSec', opts.ttlSec ?? IDEMPOTENCY_DEFAULTS.ttlSec);
    this.claimTtlMs = positiveInt('claimTtlMs', opts.claimTtlMs ?? IDEMPOTENCY_DEFAULTS.claimTtlMs);
    this.prefix = opts.prefix ?? IDEMPOTENCY_DEFAULTS.prefix;
    if (!(CLAIM in redis)) {
      redis.defineCommand(CLAIM, { lua: CLAIM_LUA });
      redis.defineCommand(COMMIT, { lua: COMMIT_LUA });
    }
    this.scripts = redis as unknown as Scripted;
  }

  /** Claims each message; outcomes in input order. The same identity twice: the second is `in_flight`. */
  async claim(messages: readonly MessageIdentity[]): Promise<ClaimOutcome[]> {
    if (messages.length === 0) {
      return [];
    }
    const { keys, members } = this.keysOf(messages);
    const res = (await this.scripts[CLAIM](keys.length, ...keys, this.claimTtlMs, ...members)) as
      | number[]
      | null;
    return (res ?? []).map((r) => (r === 0 ? 'new' : r === 1 ? 'duplicate' : 'in_flight'));
  }

  /** Marks messages as stored (remembered for `ttlSec`) and drops their claims. */
  async commit(messages: readonly MessageIdentity[]): Promise<void> {
    if (messages.length === 0) {
      return;
    }
    const { keys, members } = this.keysOf(messages);
    await this.scripts[COMMIT](keys.length, ...keys, this.ttlSec, ...members);
  }

  /** Drops claims without committing, so a later copy of the message is stored again. */
  async release(messages: readonly MessageIdentity[]): Promise<void> {
    if (messages.length === 0) {
      return;
    }
    await this.redis.del(...messages.map((m) => this.claimKey(m)));
  }

  /** Whether each message was committed (no claim taken): the replayer's duplicate check. */
  async committed(messages: readonly MessageIdentity[]): Promise<boolean[]> {
    if (messages.length === 0) {
      return [];
    }
    const pipeline = this.redis.pipeline();
    for (const m of messages) {
      pipeline.sismember(this.bucketKey(m), member(m));
    }
    const res = (await pipeline.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) {
        throw err;
      }
      return v === 1;
    });
  }

  private keysOf(messages: readonly MessageIdentity[]): { keys: string[]; members: string[] } {
    const keys: string[] = [];
    const members: string[] = [];
    for (const m of messages) {
      keys.push(this.bucketKey(m), this.claimKey(m));
      members.push(member(m));
    }
    return { keys, members };
  }

  private bucketKey(m: MessageIdentity): string {
    return `${this.prefix}:done:${m.deviceId}:${Math.floor(m.ts / BUCKET_MS)}`;
  }

  private claimKey(m: MessageIdentity): string {
    return `${this.prefix}:claim:${m.deviceId}:${m.seq ?? '-'}:${m.ts}`;
  }
}

/** The set member of a message within its bucket; exact for any seq (BigInt, no float rounding). */
function member(m: MessageIdentity): string {
  const offset = BigInt(m.ts) & OFFSET_MASK;
  return m.seq === undefined
    ? String(-offset - 1n)
    : String((BigInt(m.seq) << BUCKET_BITS) | offset);
}

function positiveInt(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new RangeError(`IdempotencyStore: ${what} must be a positive integer, got ${n}`);
  }
  return n;
}
