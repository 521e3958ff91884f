import { SLO_TARGETS } from '@sousvide/loadtest-contracts';
import { UsageError } from '@sousvide/shared-util';
import { loadCoordinatorEnv } from '../config/env.schema';
import { parseCli } from './cli-args';

const run = (args: string[], env = loadCoordinatorEnv({})) =>
  parseCli(['loadtest', 'run', ...args], () => env);

describe('gate and drain options', () => {
  it('gates on the runbook targets by default and waits at most 120 s, 10 s without progress', () => {
    const cmd = run([]);
    expect(cmd.gate).toEqual({ gated: true, targets: SLO_TARGETS });
    expect(cmd.drain).toEqual({ maxMs: 120_000, stallMs: 10_000 });
  });

  it('takes targets from the flags over the environment, and the environment over the defaults', () => {
    const env = loadCoordinatorEnv({ SLO_P95_MS: '500', SLO_SUCCESS_PCT: '99' });
    const cmd = run(['--slo-p95', '0.001', '--slo-parse', '1', '--drain-max', '30'], env);
    expect(cmd.gate?.targets).toEqual({
      ...SLO_TARGETS,
      p95LatencyMs: 0.001,
      ingestionSuccessPct: 99,
      parseFailurePct: 1,
    });
    expect(cmd.drain?.maxMs).toBe(30_000);
  });

  it('reports without gating on --no-gate and on its environment twin JUDGE_SLO=0', () => {
    expect(run(['--no-gate']).gate?.gated).toBe(false);
    expect(run([], loadCoordinatorEnv({ JUDGE_SLO: '0' })).gate?.gated).toBe(false);
  });

  it.each([
    [['--slo-p95', 'fast'], '--slo-p95 must be a number above 0 and at most 3600000 (got "fast")'],
    [['--slo-p95', '0'], '--slo-p95 must be a number above 0'],
    [['--slo-success', '101'], '--slo-success must be a number 0..100 (got "101")'],
    [['--slo-influx=-1'], '--slo-influx must be a number above 0 and at most 100 (got "-1")'],
    [['--drain-stall', '0'], '--drain-stall must be a whole number of seconds 1..600 (got "0")'],
  ])('refuses %p naming the flag', (args, message) => {
    expect(() => run(args)).toThrow(UsageError);
    expect(() => run(args)).toThrow(message);
  });

  it('names the variable when the bad target came from the environment', () => {
    expect(() => run([], loadCoordinatorEnv({ SLO_REDIS_FAIL_PCT: 'half' }))).toThrow(
      'SLO_REDIS_FAIL_PCT must be a number above 0 and at most 100 (got "half")',
    );
  });
});
