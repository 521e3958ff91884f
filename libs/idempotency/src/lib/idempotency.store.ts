import type { ChainableCommander, Redis } from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import { BUCKET_MS, bucketMember } from './bucket-member';
import type { MessageIdentity } from './message-identity';

/**
 * `new`: this caller holds the claim and must commit (stored) or release (failed) it.
 * `duplicate`: the message was committed before. `in_flight`: a live holder (another gateway
 * instance, an earlier batch of this one, or an earlier copy in the same batch) is storing it
 * right now. A claim whose holder is gone (a gateway process that died: see `owner`) is taken
 * over at once, so its messages, redelivered by the broker, are stored instead of dropped.
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
  /**
   * Who claims: a gateway id and the incarnation (one per process start). A claim records its
   * owner; another caller takes it over when the owner's liveness key
   * (`INGEST_KEYS.gatewayAlive(gatewayId)`) no longer holds that incarnation: the holder died
   * before committing, and a redelivery must not be dropped as in flight (ADR 0015). Without an
   * owner a claim counts as held until it expires (`claimTtlMs`).
   */
  owner?: { gatewayId: string; incarnation: string };
}

export const IDEMPOTENCY_DEFAULTS = {
  ttlSec: 86_400,
  claimTtlMs: 120_000,
  prefix: 'idem',
} as const;

/**
 * The batch's identities as one argument (ADR 0026): per message
 * `bucket,seq,ts,member,<deviceId's byte length>:deviceId`, the device last and length-prefixed
 * so any id reads back. The scripts build the keys from it exactly as `bucketKey` and `claimKey`
 * do: one argument per batch instead of three per message, each of which cost the gateway its
 * encoding and write (docs/benchmarks.md). `each(packed, prefix, fn)` calls
 * fn(bucketKey, claimKey, member) per message, in order.
 */
const EACH_LUA = `
local function each(packed, prefix, fn)
  local pos, n = 1, #packed
  while pos <= n do
    local bucket, seq, ts, member, len, at =
      string.match(packed, '^([^,]*),([^,]*),([^,]*),([^,]*),(%d+):()', pos)
    local dev = string.sub(packed, at, at + tonumber(len) - 1)
    pos = at + tonumber(len)
    fn(prefix .. ':done:' .. dev .. ':' .. bucket, prefix .. ':claim:' .. dev .. ':' .. seq .. ':' .. ts, member)
  end
end`;

/**
 * Claims are plain SET NX PX strings that exist only while a message is being stored (members and
 * buckets: bucket-member.ts). For each message: 1 committed, 0 claimed now, 2 held by a live
 * owner. ARGV: claimTtlMs, our token (`gatewayId|incarnation`), the liveness key's prefix and
 * suffix, the key prefix, the packed identities. A claim is held while its owner is us or its
 * gateway's liveness key still names its incarnation; a token without `|` (no owner) is held until
 * it expires. A new message costs two commands: SISMEMBER, then `SET NX PX GET` (Redis >= 7.0),
 * which takes a free claim and answers an existing one's owner in one call (it was GET, then SET);
 * only taking over a dead owner's claim writes again.
 */
const CLAIM_LUA = `${EACH_LUA}
local token = ARGV[2]
local function held(owner)
  if owner == token then return true end
  local id, incarnation = string.match(owner, '^(.*)|([^|]*)$')
  if not id then return true end
  return redis.call('GET', ARGV[3] .. id .. ARGV[4]) == incarnation
end
local out = {}
each(ARGV[6], ARGV[5], function(bucket, claim, member)
  if redis.call('SISMEMBER', bucket, member) == 1 then
    out[#out + 1] = 1
  else
    local owner = redis.call('SET', claim, token, 'NX', 'PX', ARGV[1], 'GET')
    if not owner then
      out[#out + 1] = 0
    elseif held(owner) then
      out[#out + 1] = 2
    else
      redis.call('SET', claim, token, 'PX', ARGV[1])
      out[#out + 1] = 0
    end
  end
end)
return out`;

/**
 * Records each member as committed, refreshes its set's TTL and drops the claim. ARGV: the TTL,
 * the key prefix, the packed identities.
 */
const COMMIT_LUA = `${EACH_LUA}
local n = 0
each(ARGV[3], ARGV[2], function(bucket, claim, member)
  redis.call('SADD', bucket, member)
  redis.call('EXPIRE', bucket, ARGV[1])
  redis.call('DEL', claim)
  n = n + 1
end)
return n`;

/** Versioned so a changed script never collides with an older definition on a shared client. */
const CLAIM = 'idempotencyClaimV4';

/** The oldest Redis the claim runs on (`SET ... NX GET`); a process that claims checks it at boot. */
export const IDEMPOTENCY_MIN_REDIS = '7.0';
const COMMIT = 'idempotencyCommitV2';

type Scripted = Record<
  typeof CLAIM | typeof COMMIT,
  (numKeys: number, ...args: (string | number)[]) => Promise<unknown>
>;
type ScriptedTx = Record<
  typeof COMMIT,
  (numKeys: number, ...args: (string | number)[]) => ChainableCommander
>;

/** The commit script, for a caller that composes scripts (the gateway's batch script, ADR 0025). */
export const IDEMPOTENCY_COMMIT_SCRIPT = { name: COMMIT, lua: COMMIT_LUA } as const;

/** A claim without an owner: held until it expires. */
const NO_OWNER = '1';
/** `INGEST_KEYS.gatewayAlive(id)` split around the id, for the claim script. */
const [ALIVE_PREFIX, ALIVE_SUFFIX] = INGEST_KEYS.gatewayAlive('\u0000').split('\u0000');

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
  private readonly token: string;
  private readonly scripts: Scripted;

  constructor(
    private readonly redis: Redis,
    opts: IdempotencyStoreOptions = {},
  ) {
    this.ttlSec = positiveInt('ttlSec', opts.ttlSec ?? IDEMPOTENCY_DEFAULTS.ttlSec);
    this.claimTtlMs = positiveInt('claimTtlMs', opts.claimTtlMs ?? IDEMPOTENCY_DEFAULTS.claimTtlMs);
    this.prefix = opts.prefix ?? IDEMPOTENCY_DEFAULTS.prefix;
    this.token = opts.owner ? `${opts.owner.gatewayId}|${opts.owner.incarnation}` : NO_OWNER;
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
    const res = (await this.scripts[CLAIM](
      0,
      this.claimTtlMs,
      this.token,
      ALIVE_PREFIX,
      ALIVE_SUFFIX,
      this.prefix,
      this.packed(messages),
    )) as number[] | null;
    return (res ?? []).map((r) => (r === 0 ? 'new' : r === 1 ? 'duplicate' : 'in_flight'));
  }

  /** Marks messages as stored (remembered for `ttlSec`) and drops their claims. */
  async commit(messages: readonly MessageIdentity[]): Promise<void> {
    if (messages.length === 0) {
      return;
    }
    await this.scripts[COMMIT](0, this.ttlSec, this.prefix, this.packed(messages));
  }

  /** Drops claims without committing, so a later copy of the message is stored again. */
  async release(messages: readonly MessageIdentity[]): Promise<void> {
    if (messages.length === 0) {
      return;
    }
    await this.redis.del(...messages.map((m) => this.claimKey(m)));
  }

  /**
   * {@link commit} and {@link release} queued on a transaction (MULTI) of the caller's, so they
   * apply together with whatever else it holds (the gateway's run counters): a process that dies
   * before EXEC leaves neither, one that sent EXEC leaves both.
   */
  settleIn(
    tx: ChainableCommander,
    stored: readonly MessageIdentity[],
    failed: readonly MessageIdentity[],
  ): void {
    if (stored.length > 0) {
      (tx as unknown as ScriptedTx)[COMMIT](0, this.ttlSec, this.prefix, this.packed(stored));
    }
    if (failed.length > 0) {
      tx.del(...failed.map((m) => this.claimKey(m)));
    }
  }

  /** Whether each message was committed (no claim taken): the replayer's duplicate check. */
  async committed(messages: readonly MessageIdentity[]): Promise<boolean[]> {
    if (messages.length === 0) {
      return [];
    }
    const pipeline = this.redis.pipeline();
    for (const m of messages) {
      pipeline.sismember(this.bucketKey(m), bucketMember(m));
    }
    const res = (await pipeline.exec()) ?? [];
    return res.map(([err, v]) => {
      if (err) {
        throw err;
      }
      return v === 1;
    });
  }

  /** The identities for the scripts (see EACH_LUA); the keys they build are bucketKey and claimKey. */
  private packed(messages: readonly MessageIdentity[]): string {
    let out = '';
    for (const m of messages) {
      const bucket = Math.floor(m.ts / BUCKET_MS);
      out += `${bucket},${m.seq ?? '-'},${m.ts},${bucketMember(m)},${Buffer.byteLength(m.deviceId)}:${m.deviceId}`;
    }
    return out;
  }

  private bucketKey(m: MessageIdentity): string {
    return `${this.prefix}:done:${m.deviceId}:${Math.floor(m.ts / BUCKET_MS)}`;
  }

  private claimKey(m: MessageIdentity): string {
    return `${this.prefix}:claim:${m.deviceId}:${m.seq ?? '-'}:${m.ts}`;
  }
}

function positiveInt(what: string, n: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new RangeError(`IdempotencyStore: ${what} must be a positive integer, got ${n}`);
  }
  return n;
}
