import {
  decodeDeviceSequence,
  encodeDeviceSequence,
  gapsOf,
  parseDeviceSequence,
  type DeviceSequence,
} from './device-sequence';
import { summarizeDevices } from './device-summary';

const state = (over: Partial<DeviceSequence>): DeviceSequence => ({
  maxSeq: 9,
  tsOfMax: 1000,
  distinct: 10,
  dups: 0,
  reorders: 0,
  closedGaps: 0,
  ...over,
});

describe('device sequence state', () => {
  it('counts the seqs missing below the highest one, plus those of closed sessions', () => {
    expect(gapsOf(state({}))).toBe(0);
    expect(gapsOf(state({ distinct: 7 }))).toBe(3);
    expect(gapsOf(state({ distinct: 7, closedGaps: 2 }))).toBe(5);
    // Only copies seen so far: no seq to count from.
    expect(gapsOf(state({ maxSeq: -1, distinct: 0, dups: 2 }))).toBe(0);
  });

  it('parses the hash value and ignores what is not a state', () => {
    expect(parseDeviceSequence('9,1000,10,1,2,3')).toEqual(
      state({ dups: 1, reorders: 2, closedGaps: 3 }),
    );
    expect(parseDeviceSequence('9,1000')).toBeUndefined();
    expect(parseDeviceSequence('a,b,c,d,e,f')).toBeUndefined();
  });

  it('decodes the binary state exactly, and the text form of earlier versions', () => {
    const d = state({
      maxSeq: 2 ** 40,
      tsOfMax: 1_796_352_068_123,
      distinct: 4_000_000_000,
      dups: 7,
    });
    const raw = encodeDeviceSequence(d);

    expect(raw.length).toBe(33);
    expect(decodeDeviceSequence(raw)).toEqual(d);
    expect(decodeDeviceSequence(Buffer.from('9,1000,10,1,2,3'))).toEqual(
      state({ dups: 1, reorders: 2, closedGaps: 3 }),
    );
    // A 33-byte value without the version byte is not mistaken for a binary state.
    expect(decodeDeviceSequence(Buffer.alloc(33, 0x39))).toBeUndefined();
  });
});

describe('summarizeDevices', () => {
  it('counts devices per kind and names the worst ones, highest first, ties by id', () => {
    const states = new Map<string, DeviceSequence>([
      ['sv-000001', state({})],
      ['sv-000002', state({ distinct: 8 })],
      ['sv-000003', state({ distinct: 5, dups: 1 })],
      ['sv-000004', state({ distinct: 8, reorders: 4 })],
      ['sv-000005', state({ dups: 3 })],
    ]);

    const s = summarizeDevices(states, 2);

    expect(s).toEqual({
      devices_seen: 5,
      devices_with_gaps: 3,
      devices_with_duplicates: 2,
      devices_reordered: 1,
      gaps_total: 9,
      duplicates_total: 4,
      reordered_total: 4,
      worst: {
        gaps: [
          { deviceId: 'sv-000003', count: 5 },
          { deviceId: 'sv-000002', count: 2 },
        ],
        duplicates: [
          { deviceId: 'sv-000005', count: 3 },
          { deviceId: 'sv-000003', count: 1 },
        ],
        reordered: [{ deviceId: 'sv-000004', count: 4 }],
      },
    });
  });

  it('reports an empty run as nothing seen', () => {
    expect(summarizeDevices(new Map())).toMatchObject({ devices_seen: 0, gaps_total: 0 });
  });
});
