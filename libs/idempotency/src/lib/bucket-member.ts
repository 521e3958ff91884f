import type { MessageIdentity } from './message-identity';

/**
 * Committed identities live in Redis sets, one per device and 2^18 ms (~4.4 min) of device time,
 * holding integers: `seq << 18 | ts mod 2^18` (or `-(ts mod 2^18) - 1` without a seq). A set of
 * up to 512 int64 members is an intset in Redis, 8 bytes per member, so a device at 1 msg/s
 * costs ~8.5 bytes per message with the key overhead (ADR 0005 sizes it).
 */
export const BUCKET_BITS = 18;
export const BUCKET_MS = 2 ** BUCKET_BITS;
/** Below this seq, `seq * 2^18 + offset` stays a safe integer: plain number arithmetic is exact. */
const EXACT_SEQ_BELOW = 2 ** (53 - BUCKET_BITS);
const BIG_BITS = BigInt(BUCKET_BITS);
const OFFSET_MASK = (1n << BIG_BITS) - 1n;

/**
 * The set member of a message within its bucket, exact for any seq. Plain numbers where they are
 * exact (a non-negative integer ts, no seq or one below 2^35), BigInt otherwise, as before: the
 * gateway computes this for every message it settles, and BigInt cost it allocations.
 */
export function bucketMember(m: MessageIdentity): string {
  const { seq, ts } = m;
  if (Number.isSafeInteger(ts) && ts >= 0) {
    const offset = ts % BUCKET_MS;
    if (seq === undefined) {
      return String(-offset - 1);
    }
    if (Number.isSafeInteger(seq) && seq >= 0 && seq < EXACT_SEQ_BELOW) {
      return String(seq * BUCKET_MS + offset);
    }
  }
  const offset = BigInt(ts) & OFFSET_MASK;
  return seq === undefined ? String(-offset - 1n) : String((BigInt(seq) << BIG_BITS) | offset);
}
