import type { DeviceAccounting } from '@sousvide/loadtest-contracts';
import { deviceRows } from './device-rows';

const accounting = (over: Partial<DeviceAccounting> = {}): DeviceAccounting => ({
  devices_seen: 200,
  devices_with_gaps: 0,
  devices_with_duplicates: 1,
  devices_reordered: 0,
  gaps_total: 0,
  duplicates_total: 2,
  reordered_total: 0,
  worst: { gaps: [], duplicates: [{ deviceId: 'sv-000007', count: 2 }], reordered: [] },
  ...over,
});

describe('deviceRows', () => {
  it('writes one line per run: devices seen, then gaps, duplicates and reordering with the worst named', () => {
    expect(deviceRows(accounting(), 2000)).toEqual([
      [
        '  devices (seq per device)',
        '200 seen; gaps 0 devices / 0 msgs; duplicates 1 / 2 (worst sv-000007 2); reordered 0 / 0',
      ],
    ]);
  });

  it("says the zeros are unknown when messages were received but no device's sequence was kept", () => {
    const rows = deviceRows(
      accounting({
        devices_seen: 0,
        duplicates_total: 0,
        worst: { gaps: [], duplicates: [], reordered: [] },
      }),
      600_000,
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]?.[0]).toBe('  NOTE');
    expect(rows[0]?.[1]).toContain('received 600000 messages of this run but kept no device');
    expect(rows[0]?.[1]).toContain('unknown, not 0');
    expect(rows[1]?.[1]).toMatch(/^0 seen; /);
  });

  it('adds no note to a run nothing was received in', () => {
    expect(deviceRows(accounting({ devices_seen: 0 }), 0)).toHaveLength(1);
    expect(deviceRows(undefined, 5)).toEqual([]);
  });
});
