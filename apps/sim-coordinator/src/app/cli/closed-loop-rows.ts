import type { ConnectionSummary } from '@sousvide/loadtest-contracts';

/** The table's publish-loop lines: the loop, and for a closed loop where it saturated. */
export function closedLoopRows(s: ConnectionSummary): [string, string][] {
  const c = s.closed_loop;
  if (!c) {
    return [['  publish loop', 'open (fixed input rate)']];
  }
  const d = c.achieved_per_device;
  return [
    ['  publish loop', `closed, window ${c.window}: ${c.verdict}`],
    [
      '  achieved per device',
      `mean ${d.mean} / min ${d.min} / max ${d.max} msg/s (target ${d.target}); ` +
        `${c.devices_below_target} devices below 95% of target; withheld ${c.withheld_total}`,
    ],
  ];
}
