/**
 * One device's sequence state in a run, as the gateways saw its messages (ADR 0020). Stored as
 * one hash field per device, 33 bytes (ADR 0039): a version byte 1, then little-endian
 * `maxSeq` and `tsOfMax` as doubles and `distinct,dups,reorders,closedGaps` as uint32 (Lua's
 * `struct` format STATE_FORMAT). The text form of earlier versions,
 * `maxSeq,tsOfMax,distinct,dups,reorders,closedGaps`, is still read.
 */
export interface DeviceSequence {
  /** Highest seq of the current session. */
  maxSeq: number;
  /** The payload ts of that message: a lower seq with a later ts starts a new session. */
  tsOfMax: number;
  /** New (not duplicate) messages of the current session. */
  distinct: number;
  /** Copies of a message already stored, as the idempotency record found (QoS 1 redelivery, resends). */
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

/** The state's binary layout, in the notation of Redis Lua's `struct` library. */
const STATE_FORMAT = '<BddI4I4I4I4';
const STATE_VERSION = 1;
const STATE_BYTES = 33;

/** Decodes a hash value as the script writes it (or in the text form of earlier versions). */
export function decodeDeviceSequence(raw: Buffer): DeviceSequence | undefined {
  if (raw.length === STATE_BYTES && raw[0] === STATE_VERSION) {
    return {
      maxSeq: raw.readDoubleLE(1),
      tsOfMax: raw.readDoubleLE(9),
      distinct: raw.readUInt32LE(17),
      dups: raw.readUInt32LE(21),
      reorders: raw.readUInt32LE(25),
      closedGaps: raw.readUInt32LE(29),
    };
  }
  return parseDeviceSequence(raw.toString('latin1'));
}

/** Encodes a state as the script writes it (tests, tools). */
export function encodeDeviceSequence(d: DeviceSequence): Buffer {
  const b = Buffer.alloc(STATE_BYTES);
  b[0] = STATE_VERSION;
  b.writeDoubleLE(d.maxSeq, 1);
  b.writeDoubleLE(d.tsOfMax, 9);
  b.writeUInt32LE(d.distinct, 17);
  b.writeUInt32LE(d.dups, 21);
  b.writeUInt32LE(d.reorders, 25);
  b.writeUInt32LE(d.closedGaps, 29);
  return b;
}

/** Parses the text form of earlier versions; undefined for a field that is not a device's state. */
export function parseDeviceSequence(raw: string): DeviceSequence | undefined {
  const n = raw.split(',').map(Number);
  if (n.length !== 6 || n.some((v) => !Number.isFinite(v))) {
    return undefined;
  }
  const [maxSeq, tsOfMax, distinct, dups, reorders, closedGaps] = n;
  return { maxSeq, tsOfMax, distinct, dups, reorders, closedGaps };
}

/** A sighting's layout in the script's argument (struct notation): device id, seq, ts, duplicate. */
export const SIGHTING_FORMAT = '<I2c0ddB';

/**
 * The per-message transition as a Lua function, `sequenceStep(key, dev, seq, ts, dup)`: reads the
 * device's state from the hash `key`, applies one sighting and writes it back. Run inside Redis so
 * every gateway instance updates one state per device in one order, without a lock. The state is
 * read and written with `struct` (ADR 0039): parsing and formatting it as text was half of the
 * script's time in Redis. Shared by DEVICE_SEQUENCE_LUA and the gateway's settle (ADR 0050), which
 * learns `dup` from the idempotency commit in the same pass.
 */
export const DEVICE_SEQUENCE_STEP_LUA = `
local function sequenceStep(key, dev, seq, ts, dup)
  local fmt = '${STATE_FORMAT}'
  local maxSeq, tsOfMax, distinct, dups, reorders, closedGaps = -1, 0, 0, 0, 0, 0
  local raw = redis.call('HGET', key, dev)
  if raw then
    if #raw == ${STATE_BYTES} and string.byte(raw, 1) == ${STATE_VERSION} then
      local _
      _, maxSeq, tsOfMax, distinct, dups, reorders, closedGaps = struct.unpack(fmt, raw)
    else
      -- The text form an earlier version wrote.
      local s, j = {-1, 0, 0, 0, 0, 0}, 1
      for v in string.gmatch(raw, '[^,]+') do s[j] = tonumber(v); j = j + 1 end
      maxSeq, tsOfMax, distinct, dups, reorders, closedGaps = s[1], s[2], s[3], s[4], s[5], s[6]
    end
  end
  if dup == 1 then
    dups = dups + 1
  elseif seq > maxSeq then
    maxSeq = seq; tsOfMax = ts; distinct = distinct + 1
  elseif ts > tsOfMax then
    -- A lower (or equal) seq sent after the highest one: the device started a new session.
    closedGaps = closedGaps + math.max(0, maxSeq + 1 - distinct)
    maxSeq = seq; tsOfMax = ts; distinct = 1
  else
    reorders = reorders + 1; distinct = distinct + 1
  end
  redis.call('HSET', key, dev,
    struct.pack(fmt, ${STATE_VERSION}, maxSeq, tsOfMax, distinct, dups, reorders, closedGaps))
end`;

/**
 * The transition over a batch of sightings of one run (one script call per run and batch). ARGV:
 * the TTL, then the sightings in the order they were received, packed into one binary argument as
 * SIGHTING_FORMAT (ADR 0039): one argument per batch instead of four per message, which the
 * gateway had to build and Redis to convert.
 */
export const DEVICE_SEQUENCE_LUA = `${DEVICE_SEQUENCE_STEP_LUA}
local key = KEYS[1]
local packed = ARGV[2]
local pos, last, n = 1, #packed, 0
while pos <= last do
  local dev, seq, ts, dup
  dev, seq, ts, dup, pos = struct.unpack('${SIGHTING_FORMAT}', packed, pos)
  n = n + 1
  sequenceStep(key, dev, seq, ts, dup)
end
redis.call('EXPIRE', key, ARGV[1])
return n`;
