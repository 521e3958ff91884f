import { RUN_KEY_FIELD, runKey } from '@sousvide/telemetry-schema';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import {
  explainStoreShortfall,
  startVictoriaMetrics,
  waitForStoredPoints,
  type VictoriaMetricsService,
} from '../src';

/** One device's point of `runId` with sequence number `seq` at `ts`, in line protocol. */
function point(device: string, runId: string, seq: number, ts: number): string {
  return `telemetry,deviceId=${device} tempC=60,seq=${seq}i,${RUN_KEY_FIELD}=${runKey(runId)}i ${ts}`;
}

describe('explainStoreShortfall (real VictoriaMetrics)', () => {
  let vm: VictoriaMetricsService | undefined;

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
  });
  afterAll(async () => {
    await vm?.stop();
  });

  it("names a run's missing sequence numbers, the one another run overwrote, and the store's state", async () => {
    if (!vm) {
      throw new Error('VictoriaMetrics did not start (see beforeAll)');
    }
    const t0 = Date.now() - 60_000;
    const lines = [
      // Device a: seq 0, 1, 3, and another run's point at seq 2's instant, as an overwrite leaves
      // it (the store keeps one point per series and millisecond; which write's fields survive a
      // collision is not fixed, so the collision itself is not what this test writes).
      ...[0, 1, 3].map((s) => point('gap-a', 'run-x', s, t0 + s * 1000)),
      point('gap-a', 'run-y', 0, t0 + 2000),
      // Device b: seq 3 never written.
      ...[0, 1, 2].map((s) => point('gap-b', 'run-x', s, t0 + 5 + s * 1000)),
      // A line mangled on the way: skipped, and the write still answered 204.
      'telemetry,deviceId=gap-c tempC=',
    ];
    const res = await fetch(`${vm.url}/api/v2/write?precision=ms`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    expect(res.status).toBe(204);
    await fetch(`${vm.url}/internal/force_flush`);
    const { gaps, store } = await explainStoreShortfall(vm, 'run-x');
    expect(gaps).toEqual({
      devices: 2,
      seq: { min: 0, max: 3 },
      missingBySeq: { 2: 1, 3: 1 },
      overwritten: 1,
    });
    // 7 lines of 3 fields each; VictoriaMetrics counts a sample per field.
    expect(store).toMatch(
      /^started \S+ restarts 0 oom false; influx samples inserted 21, invalid lines skipped 1$/,
    );
    // waitForStoredPoints attaches the same when fewer than expected came (6 of a run of 7), and
    // nothing when they all did.
    expect(await waitForStoredPoints(vm, 'run-x', 7, 1000)).toEqual({
      points: 6,
      series: 2,
      shortfall: { gaps, store: expect.stringMatching(/^started /) },
    });
    expect(await waitForStoredPoints(vm, 'run-y', 1)).toEqual({ points: 1, series: 1 });
  });
});
