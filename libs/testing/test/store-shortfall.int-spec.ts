import { RUN_KEY_FIELD, runKey } from '@sousvide/telemetry-schema';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import { explainStoreShortfall, startVictoriaMetrics, type VictoriaMetricsService } from '../src';

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
      // Device a: seq 0-3 with seq 2's instant taken by another run (written after it: the store
      // keeps one point per series and millisecond).
      ...[0, 1, 2, 3].map((s) => point('gap-a', 'run-x', s, t0 + s * 1000)),
      point('gap-a', 'run-y', 0, t0 + 2000),
      // Device b: seq 3 never written.
      ...[0, 1, 2].map((s) => point('gap-b', 'run-x', s, t0 + 5 + s * 1000)),
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
    expect(store).toMatch(/^started \S+ restarts 0 oom false$/);
  });
});
