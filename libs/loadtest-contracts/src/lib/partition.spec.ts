import { splitConnections } from './partition';
import { nextAttemptShape } from './retry-policy';
import { PhaseSchedule } from './phase-schedule';
import {
  businessCorePipelineSuccessRate,
  businessPipelineSuccessRate,
  connectionSuccessRate,
} from './formulas';

describe('splitConnections', () => {
  it('splits evenly and gives the remainder to the first parts', () => {
    expect(splitConnections(500, 2)).toEqual([250, 250]);
    expect(splitConnections(10, 3)).toEqual([4, 3, 3]);
    expect(splitConnections(7, 7)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('always sums to the total', () => {
    for (const [t, p] of [
      [10000, 8],
      [9999, 6],
      [1, 1],
      [123457, 64],
    ]) {
      expect(splitConnections(t, p).reduce((a, b) => a + b, 0)).toBe(t);
    }
  });

  it('refuses more partitions than connections', () => {
    expect(() => splitConnections(2, 3)).toThrow(RangeError);
  });
});

describe('nextAttemptShape (retry policy)', () => {
  const caps = { minParallelism: 40, maxPartitions: 6, totalConnections: 10000 };

  it('halves parallelism and doubles partitions', () => {
    expect(nextAttemptShape({ partitions: 2, connectParallelism: 120 }, caps)).toEqual({
      partitions: 4,
      connectParallelism: 60,
    });
  });

  it('stops at MIN_PARALLELISM and MAX_PARTITIONS', () => {
    expect(nextAttemptShape({ partitions: 4, connectParallelism: 60 }, caps)).toEqual({
      partitions: 6,
      connectParallelism: 40,
    });
    expect(nextAttemptShape({ partitions: 6, connectParallelism: 40 }, caps)).toEqual({
      partitions: 6,
      connectParallelism: 40,
    });
  });

  it('never raises parallelism to the floor nor lowers partitions below the first attempt', () => {
    expect(nextAttemptShape({ partitions: 8, connectParallelism: 10 }, caps)).toEqual({
      partitions: 8,
      connectParallelism: 10,
    });
  });

  it('never makes more partitions than connections', () => {
    expect(
      nextAttemptShape(
        { partitions: 2, connectParallelism: 100 },
        { ...caps, totalConnections: 3 },
      ),
    ).toEqual({ partitions: 3, connectParallelism: 50 });
  });
});

describe('PhaseSchedule', () => {
  it('starts device k of N at k/N of the period', () => {
    const s = new PhaseSchedule(4, 2, 3, 1000);
    expect(s.periodMs).toBe(500);
    expect(s.total).toBe(24);
    expect([0, 1, 2, 3].map((i) => s.timeOf(i))).toEqual([1000, 1125, 1250, 1375]);
    expect(s.deviceOf(5)).toBe(1);
    expect(s.seqOf(5)).toBe(1);
    expect(s.timeOf(5)).toBe(1000 + 500 + 125);
  });

  it('spreads messages evenly: never more than one step due per step of time', () => {
    const s = new PhaseSchedule(10000, 1, 30, 0);
    let last = 0;
    for (let t = 0; t < 1000; t += 10) {
      const due = s.dueUntil(t);
      expect(due - last).toBeLessThanOrEqual(100 + 1);
      last = due;
    }
  });

  it('reports nothing due before the start and everything due after the end', () => {
    const s = new PhaseSchedule(3, 1, 2, 5000);
    expect(s.dueUntil(4999)).toBe(0);
    expect(s.dueUntil(5000)).toBe(1);
    expect(s.dueUntil(s.endAt)).toBe(s.total);
    expect(s.dueUntil(s.endAt + 10000)).toBe(s.total);
  });
});

describe('split-aggregation formulas', () => {
  it('connection success rate = published / (published + failed)', () => {
    expect(connectionSuccessRate(999, 1)).toBeCloseTo(0.999);
    expect(connectionSuccessRate(0, 0)).toBe(0);
  });

  const counters = {
    recv_total: 1000,
    parse_ok_total: 990,
    influx_ok_total: 980,
    influx_bypass_total: 0,
    redis_ok_total: 995,
  };

  it('business pipeline rate takes the weakest stage', () => {
    expect(businessPipelineSuccessRate(counters, false)).toBeCloseTo(0.98);
  });

  it('leaves Influx out of the minimum in bypass mode', () => {
    expect(businessPipelineSuccessRate({ ...counters, influx_ok_total: 0 }, true)).toBeCloseTo(
      0.99,
    );
  });

  it('core pipeline rate = min(parse_ok, redis_ok) / recv', () => {
    expect(businessCorePipelineSuccessRate(counters)).toBeCloseTo(0.99);
    expect(businessCorePipelineSuccessRate({ ...counters, recv_total: 0 })).toBe(0);
  });
});
