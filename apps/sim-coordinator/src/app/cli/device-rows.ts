import type { DeviceAccounting, DeviceCount } from '@sousvide/loadtest-contracts';

/** How many of the worst devices the table names per kind (the JSON keeps WORST_DEVICES). */
const NAMED = 3;

const names = (list: readonly DeviceCount[]): string =>
  list.length === 0
    ? ''
    : ` (worst ${list
        .slice(0, NAMED)
        .map((d) => `${d.deviceId} ${d.count}`)
        .join(', ')})`;

/**
 * The table's per-device line: devices with gaps, duplicates and reordering, worst named. When the
 * gateways received messages of the run but kept no device's sequence (they record one with the
 * batch's settle in Redis), a note says the zeros mean "unknown", not "none".
 */
export function deviceRows(d: DeviceAccounting | undefined, received: number): [string, string][] {
  if (!d) {
    return [];
  }
  const unknown: [string, string][] =
    d.devices_seen === 0 && received > 0
      ? [
          [
            '  NOTE',
            `the gateways received ${received} messages of this run but kept no device's sequence (Redis was unreachable to them when they settled): gaps, duplicates and reordering per device are unknown, not 0`,
          ],
        ]
      : [];
  return [
    ...unknown,
    [
      '  devices (seq per device)',
      `${d.devices_seen} seen; gaps ${d.devices_with_gaps} devices / ${d.gaps_total} msgs${names(d.worst.gaps)}; ` +
        `duplicates ${d.devices_with_duplicates} / ${d.duplicates_total}${names(d.worst.duplicates)}; ` +
        `reordered ${d.devices_reordered} / ${d.reordered_total}${names(d.worst.reordered)}`,
    ],
  ];
}
