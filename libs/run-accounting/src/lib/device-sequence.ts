/**
 * One device's sequence state in a run, as the gateways saw its messages (ADR 0020). Stored as
 * one hash field per device: `maxSeq,tsOfMax,distinct,dups,reorders,closedGaps`.
 */
export interface DeviceSequence {
  /** Highest seq of the current session. */
  maxSeq: number;
  /** The payload ts of that message: a lower seq with a later ts starts a new session. */
  tsOfMax: number;
  /** New (not duplicate) messages of the current session. */
  distinct: number;
  /** Copies the idempotency claim recognised (QoS 1 redelivery, resends). */
  dups: number;
  /** New messages that arrived after a higher seq of the same session. */
  reorders: number;
  /** Missing seqs of the sessions before the current one. */
  closedGaps: number;
}

/** Missing seqs so far: sessions start at seq 0, so seqs 0..maxSeq minus what arrived. */
export function gapsOf(d: DeviceSequence): number {
  return d.closedGaps + Math.max(0, d.maxSeq + 1 - d.distinct);
}

/** Parses a hash value; undefined for a field that is not a device's state. */
export function parseDeviceSequence(raw: string): DeviceSequence | undefined {
  const n = raw.split(',').map(Number);
  if (n.length !== 6 || n.some((v) => !Number.isFinite(v))) {
    return undefined;
  }
  const [maxSeq, tsOfMax, distinct, dups, reorders, closedGaps] = n;
  return { maxSeq, tsOfMax, distinct, dups, reorders, closedGaps };
}

/**
 * The per-message transition, run inside Redis (one script call per run and batch) so every
 * gateway instance updates one state per device in one order, without a lock. ARGV after the
 * TTL: count, then (deviceId, seq, ts, dup 0|1) per message, in the order the batch received them.
 */
export const DEVICE_SEQUENCE_LUA = `
local key = KEYS[1]
local n = tonumber(ARGV[2])
local i = 3
for _ = 1, n do
  local dev, seq, ts, dup = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2]), ARGV[i + 3]
  i = i + 4
  local s = {-1, 0, 0, 0, 0, 0}
  local raw = redis.call('HGET', key, dev)
  if raw then
    local j = 1
    for v in string.gmatch(raw, '[^,]+') do s[j] = tonumber(v); j = j + 1 end
  end
  if dup == '1' then
    s[4] = s[4] + 1
  elseif seq > s[1] then
    s[1] = seq; s[2] = ts; s[3] = s[3] + 1
  elseif ts > s[2] then
    -- A lower (or equal) seq sent after the highest one: the device started a new session.
    s[6] = s[6] + math.max(0, s[1] + 1 - s[3])
    s[1] = seq; s[2] = ts; s[3] = 1
  else
    s[5] = s[5] + 1; s[3] = s[3] + 1
  end
  redis.call('HSET', key, dev, string.format('%d,%d,%d,%d,%d,%d', s[1], s[2], s[3], s[4], s[5], s[6]))
end
redis.call('EXPIRE', key, ARGV[1])
return n`;
