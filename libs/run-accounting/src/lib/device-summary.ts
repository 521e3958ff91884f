import {
  WORST_DEVICES,
  type DeviceAccounting,
  type DeviceCount,
} from '@sousvide/loadtest-contracts';
import { gapsOf, type DeviceSequence } from './device-sequence';

/**
 * Keeps the `size` highest counts seen (ties: the lower device id first, so the list is stable).
 * A sorted array of at most `size`: the summary never holds a list per device.
 */
class Worst {
  readonly items: DeviceCount[] = [];
  constructor(private readonly size: number) {}

  offer(deviceId: string, count: number): void {
    if (count <= 0) {
      return;
    }
    const last = this.items.at(-1);
    if (this.items.length === this.size && last && !before({ deviceId, count }, last)) {
      return;
    }
    const at = this.items.findIndex((x) => before({ deviceId, count }, x));
    this.items.splice(at < 0 ? this.items.length : at, 0, { deviceId, count });
    this.items.length = Math.min(this.items.length, this.size);
  }
}

const before = (a: DeviceCount, b: DeviceCount): boolean =>
  a.count > b.count || (a.count === b.count && a.deviceId < b.deviceId);

/** Counts and worst devices over every device's sequence state of a run. */
export function summarizeDevices(
  states: ReadonlyMap<string, DeviceSequence>,
  size = WORST_DEVICES,
): DeviceAccounting {
  const worst = { gaps: new Worst(size), duplicates: new Worst(size), reordered: new Worst(size) };
  const s: DeviceAccounting = {
    devices_seen: states.size,
    devices_with_gaps: 0,
    devices_with_duplicates: 0,
    devices_reordered: 0,
    gaps_total: 0,
    duplicates_total: 0,
    reordered_total: 0,
    worst: { gaps: [], duplicates: [], reordered: [] },
  };
  for (const [deviceId, d] of states) {
    const gaps = gapsOf(d);
    s.devices_with_gaps += gaps > 0 ? 1 : 0;
    s.devices_with_duplicates += d.dups > 0 ? 1 : 0;
    s.devices_reordered += d.reorders > 0 ? 1 : 0;
    s.gaps_total += gaps;
    s.duplicates_total += d.dups;
    s.reordered_total += d.reorders;
    worst.gaps.offer(deviceId, gaps);
    worst.duplicates.offer(deviceId, d.dups);
    worst.reordered.offer(deviceId, d.reorders);
  }
  s.worst = {
    gaps: worst.gaps.items,
    duplicates: worst.duplicates.items,
    reordered: worst.reordered.items,
  };
  return s;
}
