import type { Redis } from 'ioredis';
import type { DeviceAccounting } from '@sousvide/loadtest-contracts';
import { summarizeDevices } from './device-summary';
import { DEVICE_SEQUENCE_LUA, decodeDeviceSequence, type DeviceSequence } from './device-sequence';
import { RUN_KEYS, RUN_KEYS_TTL_SEC } from './run-accounting.constants';

const SCRIPT = 'ingestDeviceSequenceV4';
/** Fields read per HSCAN round trip when a run is summarised. */
const SCAN_COUNT = 2000;

/** One received copy of a message: whose, which seq, its ts, and whether it is a copy of one already stored. */
export interface SequenceSighting {
  deviceId: string;
  seq: number;
  ts: number;
  duplicate: boolean;
}

type WithScript<R> = Record<
  typeof SCRIPT,
  (key: string, ...args: (string | number | Buffer)[]) => R
>;

/**
 * Per-device sequence state of each run in one Redis hash (`RUN_KEYS.runDevices`), updated by
 * every gateway instance through one script (DEVICE_SEQUENCE_LUA), read by the coordinator.
 */
export class DeviceSequences {
  constructor(private readonly redis: Redis) {
    if (!(SCRIPT in redis)) {
      redis.defineCommand(SCRIPT, { numberOfKeys: 1, lua: DEVICE_SEQUENCE_LUA });
    }
  }

  /** Records one run's sightings (tests, tools; the gateway records them in its settle, ADR 0050). */
  async record(runId: string, sightings: readonly SequenceSighting[]): Promise<void> {
    if (sightings.length > 0) {
      await (this.redis as unknown as WithScript<Promise<number>>)[SCRIPT](
        ...args(runId, sightings),
      );
    }
  }

  /** Every device's state of a run, read in HSCAN pages (never one reply of 100k fields). */
  async read(runId: string): Promise<Map<string, DeviceSequence>> {
    const out = new Map<string, DeviceSequence>();
    let cursor = '0';
    do {
      // Buffers: the states are binary (ADR 0039).
      const [next, flat] = await this.redis.hscanBuffer(
        RUN_KEYS.runDevices(runId),
        cursor,
        'COUNT',
        SCAN_COUNT,
      );
      for (let i = 0; i < flat.length; i += 2) {
        const state = decodeDeviceSequence(flat[i + 1]);
        if (state) {
          out.set(flat[i].toString(), state);
        }
      }
      cursor = next.toString();
    } while (cursor !== '0');
    return out;
  }

  /** business-summary.json's `devices` for a run. */
  async summary(runId: string): Promise<DeviceAccounting> {
    return summarizeDevices(await this.read(runId));
  }
}

function args(runId: string, sightings: readonly SequenceSighting[]): [string, number, Buffer] {
  return [RUN_KEYS.runDevices(runId), RUN_KEYS_TTL_SEC, packSightings(sightings)];
}

/** The sightings as DEVICE_SEQUENCE_LUA reads them (SIGHTING_FORMAT: id length, id, seq, ts, dup). */
export function packSightings(sightings: readonly SequenceSighting[]): Buffer {
  let size = 0;
  for (const s of sightings) {
    const len = Buffer.byteLength(s.deviceId);
    if (len > 0xffff) {
      throw new RangeError(`device id of ${len} bytes: a sighting holds at most 65535`);
    }
    size += 19 + len;
  }
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const s of sightings) {
    const len = out.write(s.deviceId, at + 2);
    out.writeUInt16LE(len, at);
    at += 2 + len;
    out.writeDoubleLE(Math.trunc(s.seq), at);
    out.writeDoubleLE(Math.trunc(s.ts), at + 8);
    out[at + 16] = s.duplicate ? 1 : 0;
    at += 17;
  }
  return out;
}
