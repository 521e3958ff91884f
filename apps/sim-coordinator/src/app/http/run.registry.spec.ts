import { parseRunSpec } from '@sousvide/loadtest-contracts';
import type { CoordinatorEnv } from '../config/env.schema';
import type { RunOutcome, RunService } from '../run/run.service';
import { LiveRuns } from './live-runs';
import { RunRegistry } from './run.registry';
import { TooManyRunsError } from './too-many-runs.error';

const spec = (runId: string) =>
  parseRunSpec({
    runId,
    totalConnections: 1,
    partitions: 1,
    connectParallelism: 1,
    mps: 1,
    durationSec: 1,
    qos: 1,
    brokerUrl: 'mqtt://127.0.0.1:1883',
  });
const gate = { gated: true, targets: {} } as never;

/** A run service whose runs end when the test says so. */
function fakeRuns() {
  const ends = new Map<string, () => void>();
  const service = {
    assertNewRun: () => Promise.resolve(),
    run: (s: { runId: string }) =>
      new Promise<RunOutcome>((resolve) =>
        ends.set(s.runId, () => resolve({ status: 'passed', exitCode: 0 } as RunOutcome)),
      ),
  } as unknown as RunService;
  return { service, end: (id: string) => ends.get(id)?.() };
}

describe('RunRegistry: MAX_CONCURRENT_RUNS', () => {
  const env = (max: number) =>
    ({ MAX_CONCURRENT_RUNS: max, DRAIN_WINDOW_SEC: 1, DRAIN_STALL_SEC: 1 }) as CoordinatorEnv;

  it('refuses a run beyond the limit with the limit and the active run ids, then admits one once a run ended', async () => {
    const runs = fakeRuns();
    const registry = new RunRegistry(runs.service, env(1), new LiveRuns());
    await registry.start(spec('r1'), false, gate);
    const refused = registry.start(spec('r2'), false, gate);
    await expect(refused).rejects.toBeInstanceOf(TooManyRunsError);
    await expect(refused).rejects.toMatchObject({ limit: 1, activeRuns: ['r1'] });
    await expect(refused).rejects.toThrow(
      'this coordinator runs at most 1 load test at once (MAX_CONCURRENT_RUNS=1); active: r1.',
    );
    expect(registry.get('r2')).toBeUndefined();
    runs.end('r1');
    await new Promise((r) => setImmediate(r));
    expect(registry.activeRunIds()).toEqual([]);
    await expect(registry.start(spec('r2'), false, gate)).resolves.toMatchObject({ runId: 'r2' });
  });

  it('counts runs still being admitted, so two requests at once cannot both take the last slot', async () => {
    const runs = fakeRuns();
    const registry = new RunRegistry(runs.service, env(2), new LiveRuns());
    await registry.start(spec('r1'), false, gate);
    const both = await Promise.allSettled([
      registry.start(spec('r2'), false, gate),
      registry.start(spec('r3'), false, gate),
    ]);
    expect(both.map((r) => r.status)).toEqual(['fulfilled', 'rejected']);
    expect((both[1] as PromiseRejectedResult).reason).toMatchObject({
      limit: 2,
      activeRuns: ['r1', 'r2'],
    });
  });
});
