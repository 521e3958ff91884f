import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastAttemptDir, runRecordOf } from './run-record.reader';
import { fixture, FIXTURE_RUNS, FIXTURES } from './fixture-runs';

describe('readRunRecord on recorded run folders', () => {
  it('reads a passed run: shape, figures and the backend half', () => {
    const r = fixture('passed');
    expect(r.shape).toEqual({ connections: 200, mps: 1, qos: 1, durationSec: 10, model: 'mqttjs' });
    expect(r.passed).toBe(true);
    expect(r.failedOn).toBeUndefined();
    expect(r.published).toBe(2000);
    expect(r.backend?.slo.every((s) => s.pass)).toBe(true);
  });

  it('tells a backend failure (SLOs missed, generator fine) from a generator failure', () => {
    const redis = fixture('redisOutage');
    expect(redis.failedOn).toBe('backend');
    expect(redis.reasons).toEqual([
      'SLO missed: ingestion success rate 75.04% (target >= 99.9%, missed by 24.86%)',
      'SLO missed: Redis heartbeat failure rate 24.96% (target < 0.5%, missed by 24.46%)',
    ]);
    const broker = fixture('brokerRestart');
    expect(broker.failedOn).toBe('generator');
    expect(broker.failures).toEqual({
      'disconnect.broker_disconnect': 1000,
      'publish.not_connected': 8250,
      'publish.publish_timeout': 16,
    });
  });

  it('judges a run as its own verdict did: a --no-gate run passed, its SLO misses kept but not judged', () => {
    const dir = lastAttemptDir(FIXTURE_RUNS, FIXTURES.redisOutage);
    const file = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
    const runJson = { ...file('run.json'), gate: { gated: false } };
    const r = runRecordOf(
      dir,
      runJson,
      file('connection-summary.json'),
      file('business-summary.json'),
      undefined,
    );
    expect({ passed: r.passed, failedOn: r.failedOn, reasons: r.reasons }).toEqual({
      passed: true,
      failedOn: undefined,
      reasons: [],
    });
    expect(r.backend?.slo.filter((s) => !s.pass).map((s) => s.name)).toEqual([
      'ingestion success rate',
      'Redis heartbeat failure rate',
    ]);
  });

  it('keeps the generator health of a saturated run', () => {
    const r = fixture('gatewayKill');
    expect(r.generator.saturated).toBe(true);
    expect(r.generator.cpuPercentMax).toBeGreaterThan(0);
    expect(Object.keys(r.backend?.stages ?? {})).toContain('store');
  });

  it('says which folder holds no run', () => {
    expect(() => lastAttemptDir(FIXTURE_RUNS, 'no-such-run')).toThrow(
      /no run at .*no-such-run \(no attempt-<n>\/run.json there\)/,
    );
  });
});
