import { capacityExitCode, capacitySteps, kneeOf, stepOf } from './capacity';
import { fixture } from './fixture-runs';
import type { RunRecord } from './run-record.reader';

const steps = (records: RunRecord[]) => records.map((r, i) => stepOf(i + 1, (i + 1) * 100, r));

describe('capacity steps', () => {
  it('grows by a factor or an increment, strictly, up to max steps', () => {
    expect(capacitySteps({ dimension: 'connections', start: 20, factor: 2, maxSteps: 5 })).toEqual([
      20, 40, 80, 160, 320,
    ]);
    expect(capacitySteps({ dimension: 'mps', start: 1, increment: 0.5, maxSteps: 3 })).toEqual([
      1, 1.5, 2,
    ]);
    expect(
      capacitySteps({ dimension: 'connections', start: 10, factor: 1.01, maxSteps: 3 }),
    ).toEqual([10, 11, 12]);
  });

  it('stops before the run spec limit', () => {
    expect(
      capacitySteps({ dimension: 'connections', start: 150_000, factor: 2, maxSteps: 5 }),
    ).toEqual([150_000]);
  });
});

describe('the knee, from recorded runs', () => {
  it('an SLO broke after a passing step: last passing, first failing, the SLO, exit 0', () => {
    const records = [fixture('passed'), fixture('influxSpike')];
    const knee = kneeOf(steps(records), records);
    expect(knee.lastPassing?.step).toBe(1);
    expect(knee.firstFailing?.step).toBe(2);
    expect(knee.stoppedBy).toBe('slo_or_accounting');
    expect(knee.sloBrokeFirst).toBe('p95 end-to-end ingest latency 1679.36ms (target < 200ms)');
    // Runs of November had no per-stage figures: the stage is unknown, and said why.
    expect(knee.bottleneck).toEqual({
      stage: 'unknown',
      why: 'no per-stage figures in business-summary.json',
    });
    expect(capacityExitCode(knee)).toBe(0);
  });

  it('names the stage whose p95 grew most over the last passing step', () => {
    const kill = fixture('gatewayKill');
    const failing: RunRecord = { ...kill, generator: { ...kill.generator, saturated: false } };
    const records = [fixture('passed'), failing];
    const knee = kneeOf(steps(records), records);
    // The passing step recorded no stages, so growth is the failing step's own p95s: dlq's largest.
    expect(knee.bottleneck).toEqual({
      stage: 'gateway',
      why: 'stage "dlq" p95 20578.304 ms (+20578.304 ms over the last passing step), the largest',
    });
  });

  it('the most frequent failure class names the broker when the generator failed', () => {
    const records = [fixture('passed'), fixture('brokerRestart')];
    const knee = kneeOf(steps(records), records);
    expect(knee.stoppedBy).toBe('generator_failed');
    expect(knee.bottleneck).toEqual({
      stage: 'broker',
      why: 'most failures were publish.not_connected (8250)',
    });
  });

  it('a CPU-bound connect phase neither ends the search nor hides the broker', () => {
    const connectBound = (r: RunRecord): RunRecord => ({
      ...r,
      generator: { ...r.generator, saturated: false, connectSaturated: true },
    });
    const records = [connectBound(fixture('passed')), connectBound(fixture('brokerRestart'))];
    const s = steps(records);
    expect(s[0]).toMatchObject({ passed: true, saturated: false });
    const knee = kneeOf(s, records);
    expect(knee.lastPassing?.step).toBe(1);
    expect(knee.stoppedBy).toBe('generator_failed');
    expect(knee.bottleneck?.stage).toBe('broker');
  });

  it('a saturated generator ends the search with the generator as the limit, exit 1', () => {
    const records = [fixture('passed'), fixture('gatewayKill')];
    const knee = kneeOf(steps(records), records);
    expect(knee.stoppedBy).toBe('generator_saturated');
    expect(knee.bottleneck?.stage).toBe('generator');
    expect(capacityExitCode(knee)).toBe(1);
  });

  it('every step passed: no knee within the steps, exit 0; the first step failing on the backend, exit 3', () => {
    const passed = [fixture('passed'), fixture('passed')];
    expect(kneeOf(steps(passed), passed)).toEqual({
      lastPassing: steps(passed)[1],
      stoppedBy: 'max_steps',
    });
    const first = [fixture('redisOutage')];
    const knee = kneeOf(steps(first), first);
    expect(knee.lastPassing).toBeUndefined();
    expect(capacityExitCode({ ...knee, bottleneck: { stage: 'store', why: 'x' } })).toBe(3);
  });

  it('a next step the preflight refused ends the search at the machine, exit 1', () => {
    const passed = [fixture('passed')];
    const knee = kneeOf(steps(passed), passed, 'the agent would need 40064 files (limit 20000)');
    expect(knee).toEqual({
      lastPassing: steps(passed)[0],
      bottleneck: {
        stage: 'generator',
        why: 'the next step was not started: the agent would need 40064 files (limit 20000)',
      },
      stoppedBy: 'preflight_refused',
    });
    expect(capacityExitCode(knee)).toBe(1);
  });
});
