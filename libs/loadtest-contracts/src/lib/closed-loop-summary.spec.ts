import { LatencyHistogram } from '@sousvide/shared-util';
import { summarizeClosedLoop } from './closed-loop-summary';
import type { ClosedLoopPartStats, PartitionResult } from './partition';

function part(devices: number, closedLoop?: ClosedLoopPartStats): PartitionResult {
  return { devices, closedLoop } as PartitionResult;
}

const ack = { ...new LatencyHistogram().stats(), mean: 100, p95: 180 };

describe('summarizeClosedLoop', () => {
  it('is absent for an open loop', () => {
    expect(
      summarizeClosedLoop([part(10)], {
        devices: 10,
        mps: 2,
        achievedRate: 20,
        windowSec: 10,
        ack,
      }),
    ).toBeUndefined();
  });

  it('says where a closed loop saturated: achieved vs target, per device, and the window bound', () => {
    const stats = (min: number, max: number, sum: number, below: number): ClosedLoopPartStats => ({
      window: 1,
      withheld: 100 - sum,
      deviceAckedMin: min,
      deviceAckedMax: max,
      deviceAckedSum: sum,
      devicesBelowTarget: below,
      targetPerDevice: 20,
    });
    const s = summarizeClosedLoop([part(5, stats(8, 12, 50, 5)), part(5, stats(9, 11, 50, 5))], {
      devices: 10,
      mps: 2,
      achievedRate: 10,
      windowSec: 10,
      ack,
    });
    expect(s).toMatchObject({
      window: 1,
      target_rate: 20,
      achieved_rate: 10,
      achieved_ratio: 0.5,
      achieved_per_device: { target: 2, mean: 1, min: 0.8, max: 1.2 },
      devices_below_target: 10,
      withheld_total: 100,
      saturated: true,
      // 1 in flight x 10 devices / 0.1 s mean ack latency.
      window_bound_rate: 100,
    });
    expect(s?.verdict).toMatch(/^saturated at 10 msg\/s, 50% of the 20 msg\/s target/);
  });

  it('is not saturated when the achieved rate is within 95 % of the target', () => {
    const s = summarizeClosedLoop(
      [
        part(10, {
          window: 2,
          withheld: 0,
          deviceAckedMin: 20,
          deviceAckedMax: 20,
          deviceAckedSum: 200,
          devicesBelowTarget: 0,
          targetPerDevice: 20,
        }),
      ],
      { devices: 10, mps: 2, achievedRate: 19.5, windowSec: 10, ack },
    );
    expect(s?.saturated).toBe(false);
    expect(s?.verdict).toMatch(/^kept up/);
  });
});
