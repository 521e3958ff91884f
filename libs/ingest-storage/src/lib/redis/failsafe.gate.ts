import type { Redis } from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';

/**
 * What the gate says about one over-limit reading: `acquired` (this caller sends the command),
 * `cooldown` (a command went to the device within the cooldown, from any instance) or `duplicate`
 * (this very reading, by its idempotency key, already raised one).
 */
export type GateOutcome = 'acquired' | 'cooldown' | 'duplicate';

/** One claim of a device's cooldown, by one reading. */
export interface GateClaim {
  deviceId: string;
  /** The reading's idempotency key (`deviceId:seq:ts`). */
  messageKey: string;
  /** Stored as both markers' value: `<gatewayId>:<n>`, so an operator sees who claimed it. */
  token: string;
  cooldownMs: number;
  /** How long a copy of this reading could still act (until it is too old to): the fired marker's life. */
  firedMs: number;
}

// KEYS: cooldown marker, fired marker. ARGV: token, cooldown ms, fired ms.
const ACQUIRE_LUA = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 2 end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[3])
  return 1
end
return 0`;

// Deletes each marker only while it is still this claim's (a newer one is someone else's).
const RELEASE_LUA = `
for i = 1, #KEYS do
  if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
end
return 0`;

const ACQUIRE = 'failsafeAcquireV1';
const RELEASE = 'failsafeReleaseV1';
type Scripted = Record<
  typeof ACQUIRE | typeof RELEASE,
  (numKeys: number, ...args: (string | number)[]) => Promise<number>
>;

/**
 * Rate-limits fail-safe commands per device across every gateway instance: whoever sets the
 * device's cooldown marker first (SET NX PX) sends the command; everyone else within the cooldown
 * skips. A second marker per reading keeps a copy of a reading that raised a command (QoS 1
 * redelivery, a resend) from raising another after the cooldown. Every call rejects when Redis
 * fails: whether to act anyway is the caller's policy (it keeps a local cooldown), not the gate's.
 */
export class FailsafeGate {
  private readonly scripts: Scripted;

  constructor(private readonly redis: Redis) {
    if (!(ACQUIRE in redis)) {
      redis.defineCommand(ACQUIRE, { lua: ACQUIRE_LUA });
      redis.defineCommand(RELEASE, { lua: RELEASE_LUA });
    }
    this.scripts = redis as unknown as Scripted;
  }

  async acquire(claim: GateClaim): Promise<GateOutcome> {
    checkMs('cooldownMs', claim.cooldownMs);
    checkMs('firedMs', claim.firedMs);
    const res = await this.scripts[ACQUIRE](
      2,
      INGEST_KEYS.failsafe(claim.deviceId),
      INGEST_KEYS.failsafeFired(claim.messageKey),
      claim.token,
      claim.cooldownMs,
      claim.firedMs,
    );
    return res === 1 ? 'acquired' : res === 2 ? 'duplicate' : 'cooldown';
  }

  /** Gives a claim back (its command could not be delivered), so the next reading may act. */
  async release(claim: Pick<GateClaim, 'deviceId' | 'messageKey' | 'token'>): Promise<void> {
    await this.scripts[RELEASE](
      2,
      INGEST_KEYS.failsafe(claim.deviceId),
      INGEST_KEYS.failsafeFired(claim.messageKey),
      claim.token,
    );
  }

  /**
   * Writes claims made while Redis was unreachable (each with what is left of its cooldown), so
   * the other instances honour them; a marker another instance set meanwhile is kept (NX).
   */
  async restore(claims: readonly GateClaim[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const c of claims) {
      checkMs('cooldownMs', c.cooldownMs);
      checkMs('firedMs', c.firedMs);
      pipeline.set(INGEST_KEYS.failsafe(c.deviceId), c.token, 'PX', c.cooldownMs, 'NX');
      pipeline.set(INGEST_KEYS.failsafeFired(c.messageKey), c.token, 'PX', c.firedMs, 'NX');
    }
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed?.[0]) {
      throw failed[0];
    }
  }
}

/** Redis rejects PX 0 or a fraction with a generic syntax error; name the bad argument instead. */
function checkMs(name: string, ms: number): void {
  if (!Number.isSafeInteger(ms) || ms <= 0) {
    throw new RangeError(`FailsafeGate: ${name} must be a positive integer, got ${ms}`);
  }
}
