import { runPointGaps } from './run-point-gaps';
import type { ExportedSeries } from './store-export';

const RUN = 7;
const OTHER = 9;

/** A device's runKey and seq series from [seq, ts, key] samples. */
function device(id: string, samples: [number, number, number][]): ExportedSeries[] {
  const timestamps = samples.map(([, ts]) => ts);
  return [
    {
      metric: { __name__: 'telemetry_runKey', deviceId: id },
      values: samples.map((s) => s[2]),
      timestamps,
    },
    {
      metric: { __name__: 'telemetry_seq', deviceId: id },
      values: samples.map((s) => s[0]),
      timestamps,
    },
  ];
}

describe('runPointGaps', () => {
  it('names the missing sequence numbers per device count and the ones another run overwrote', () => {
    const series = [
      // seq 3 missing; another run's point sits exactly where it would have been (phase 100 ms).
      ...device('a', [
        [0, 100, RUN],
        [1, 1100, RUN],
        [2, 2100, RUN],
        [0, 3100, OTHER],
        [4, 4100, RUN],
      ]),
      // seq 4 missing, nothing in its place.
      ...device('b', [
        [0, 200, RUN],
        [1, 1200, RUN],
        [2, 2200, RUN],
        [3, 3200, RUN],
      ]),
      ...device(
        'c',
        [0, 1, 2, 3, 4].map((s) => [s, 300 + s * 1000, RUN] as [number, number, number]),
      ),
      // A device only the other run had: not one of the run's devices.
      ...device('d', [[0, 400, OTHER]]),
    ];
    expect(runPointGaps(series, RUN)).toEqual({
      devices: 3,
      seq: { min: 0, max: 4 },
      missingBySeq: { 3: 1, 4: 1 },
      overwritten: 1,
    });
  });

  it('reports nothing to place when the run has no point', () => {
    expect(runPointGaps(device('a', [[0, 100, OTHER]]), RUN)).toEqual({
      devices: 0,
      seq: null,
      missingBySeq: {},
      overwritten: 0,
    });
  });
});
