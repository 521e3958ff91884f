import { UsageError } from '@sousvide/shared-util';
import { parseSloTargets, SLO_TARGETS } from './slo-targets';

const label = (f: string): string => `slo.${f}`;

describe('parseSloTargets', () => {
  it('defaults every target to the runbook and takes text or numbers for those given', () => {
    expect(parseSloTargets({}, label)).toEqual(SLO_TARGETS);
    expect(parseSloTargets({ p95LatencyMs: ' 350 ', ingestionSuccessPct: 99 }, label)).toEqual({
      ...SLO_TARGETS,
      p95LatencyMs: 350,
      ingestionSuccessPct: 99,
    });
  });

  it('names every bad target with what was given and the range', () => {
    const bad = () => parseSloTargets({ p95LatencyMs: 'soon', parseFailurePct: 0 }, label);
    expect(bad).toThrow(UsageError);
    expect(bad).toThrow(
      [
        'slo.parseFailurePct must be a number above 0 and at most 100 (got 0)',
        'slo.p95LatencyMs must be a number above 0 and at most 3600000 (got "soon")',
      ].join('\n'),
    );
  });

  it('takes a target only in decimal notation: 0x64 is no 100', () => {
    expect(() => parseSloTargets({ p95LatencyMs: '0x64' }, label)).toThrow(
      'slo.p95LatencyMs must be a number above 0 and at most 3600000 (got "0x64")',
    );
  });
});
