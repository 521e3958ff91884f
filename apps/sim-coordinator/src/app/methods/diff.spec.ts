import { diffRuns, shapeDifferences } from './diff';
import { fixture } from './fixture-runs';

describe('loadtest diff on recorded runs', () => {
  it('a run against itself: no regression, every change 0', () => {
    const d = diffRuns(fixture('redisOutage'), fixture('redisOutage'));
    expect(d.regressed).toBe(false);
    expect(d.rows.filter((r) => r.changePct !== undefined && r.changePct !== 0)).toEqual([]);
    expect(d.shapeDiffers).toEqual([]);
  });

  it('SLOs that went from pass to fail are regressions, each named', () => {
    const d = diffRuns(fixture('brokerRestart'), fixture('redisOutage'));
    expect(d.regressed).toBe(true);
    expect(d.regressions).toEqual(
      expect.arrayContaining([
        'SLO ingestion success rate: PASS 100% -> FAIL 75.04%',
        'SLO Redis heartbeat failure rate: PASS 0% -> FAIL 24.96%',
      ]),
    );
  });

  it('failed messages and new failure classes are regressions', () => {
    const d = diffRuns(fixture('redisOutage'), fixture('brokerRestart'));
    expect(d.regressions).toEqual(
      expect.arrayContaining([
        'failed messages: 0 -> 8266',
        'failures publish.not_connected: 0 -> 8250',
        'failures publish.publish_timeout: 0 -> 16',
      ]),
    );
  });

  it('a throughput drop regresses beyond the rate tolerance and not within it', () => {
    const a = fixture('passed');
    const b = { ...a, throughput: a.throughput * 0.85 };
    const at = (ratePct: number) =>
      diffRuns(a, b, { ratePct, latencyPct: 25, latencyFloorMs: 5 }).regressions;
    expect(at(10)).toEqual([`throughput msg/s: ${a.throughput} -> ${b.throughput}`]);
    expect(at(20)).toEqual([]);
  });

  it('a latency percentile regresses past both its % and its floor in ms', () => {
    const a = fixture('passed');
    const slower = (ms: number) => ({
      ...a,
      ackLatency: { ...a.ackLatency, p99: a.ackLatency.p99 + ms },
    });
    const t = { ratePct: 10, latencyPct: 25, latencyFloorMs: 1000 };
    expect(diffRuns(a, slower(999), t).regressed).toBe(false);
    const d = diffRuns(a, slower(1001 + a.ackLatency.p99), t);
    expect(d.regressions).toHaveLength(1);
    expect(d.regressions[0]).toMatch(/^publish->ack p99 ms: 2\.992 -> 1006\.98/);
  });

  it('names each shape parameter that differs', () => {
    expect(shapeDifferences(fixture('gatewayKill'), fixture('redisOutage'))).toEqual([
      'connections 2000 vs 1000',
      'mps 2.5 vs 1',
      'durationSec 45 vs 40',
    ]);
  });
});
