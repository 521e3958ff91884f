import type { ChainableCommander, Redis } from 'ioredis';
import type { DeviceAccounting } from '@sousvide/loadtest-contracts';
import { summarizeDevices } from './device-summary';
import { DEVICE_SEQUENCE_LUA, decodeDeviceSequence, type DeviceSequence } from './device-sequence';
import { RUN_KEYS, RUN_KEYS_TTL_SEC } from './run-accounting.constants';

const SCRIPT = 'ingestDeviceSequenceV2';
/** The sequence script, for a caller that composes scripts (the gateway's batch script, ADR 0025). */
export const DEVICE_SEQUENCE_SCRIPT = {
  name: SCRIPT,
  lua: DEVICE_SEQUENCE_LUA,
  numberOfKeys: 1,
} as const;
/** Fields read per HSCAN round trip when a run is summarised. */
const SCAN_COUNT = 2000;

/** One received copy of a message: whose, which seq, its ts, and whether the claim saw a copy. */
export interface SequenceSighting {
  deviceId: string;
  seq: number;
  ts: number;
  duplicate: boolean;
}

type WithScript<R> = Record<typeof SCRIPT, (key: string, ...args: (string | number)[]) => R>;

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

  /** Queues the sightings of one run on the caller's transaction (the gateway's settle). */
  recordIn(tx: ChainableCommander, runId: string, sightings: readonly SequenceSighting[]): void {
    if (sightings.length > 0) {
      (tx as unknown as WithScript<ChainableCommander>)[SCRIPT](...args(runId, sightings));
    }
  }

  /** The same on its own (tests, tools). */
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

function args(
  runId: string,
  sightings: readonly SequenceSighting[],
): [string, ...(string | number)[]] {
  const out: (string | number)[] = [RUN_KEYS_TTL_SEC, sightings.length];
  for (const s of sightings) {
    out.push(s.deviceId, Math.trunc(s.seq), Math.trunc(s.ts), s.duplicate ? '1' : '0');
  }
  return [RUN_KEYS.runDevices(runId), ...out];
}
