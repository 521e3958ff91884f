import { UsageError } from '@sousvide/shared-util';
import { loadCoordinatorEnv } from '../config/env.schema';
import { parseCli } from './cli-args';
import { METHOD_HELP } from './method-help';

const env = loadCoordinatorEnv({});
const RUN = ['--connections', '20', '--partitions', '1', '--parallelism', '20', '--mps', '1'];
const SHAPE = [...RUN, '--duration', '3', '--qos', '1'];

describe('parseCli for the runbook methods', () => {
  it('crosscheck takes the run options', () => {
    const cmd = parseCli(['loadtest', 'crosscheck', ...SHAPE, '--json'], () => env);
    expect(cmd.command).toBe('crosscheck');
    expect(cmd.json).toBe(true);
    expect(cmd.spec.totalConnections).toBe('20');
  });

  it('capacity defaults to connections x2 over 5 steps, and takes an increment instead', () => {
    expect(parseCli(['loadtest', 'capacity', ...SHAPE], () => env).plan).toEqual({
      dimension: 'connections',
      factor: 2,
      maxSteps: 5,
    });
    expect(
      parseCli(
        ['capacity', ...SHAPE, '--step', 'mps', '--increment', '0.5', '--max-steps', '3'],
        () => env,
      ).plan,
    ).toEqual({ dimension: 'mps', increment: 0.5, maxSteps: 3 });
  });

  it.each(['crosscheck', 'capacity'])('%s takes the gate and drain flags of run', (command) => {
    const flags = ['--slo-p95', '500', '--no-gate', '--drain-max', '30', '--drain-stall', '5'];
    const cmd = parseCli(['loadtest', command, ...SHAPE, ...flags], () => env);
    const run = parseCli(['loadtest', 'run', ...SHAPE, ...flags], () => env);
    expect(cmd.gate).toEqual(run.gate);
    expect(cmd.gate).toMatchObject({ gated: false, targets: { p95LatencyMs: 500 } });
    expect(cmd.drain).toEqual({ maxMs: 30_000, stallMs: 5000 });
  });

  it('diff takes two runs and its tolerances', () => {
    const cmd = parseCli(
      ['loadtest', 'diff', 'a', 'b', '--tolerance-rate', '5', '--force'],
      () => env,
    );
    expect(cmd.diff).toEqual({
      runs: ['a', 'b'],
      tolerances: { ratePct: 5, latencyPct: 25, latencyFloorMs: 5 },
      force: true,
    });
  });

  it('prints the help of the command asked about', () => {
    expect(parseCli(['loadtest', 'capacity', '--help'], () => env).help).toBe(METHOD_HELP.capacity);
    expect(parseCli(['loadtest', 'diff', '-h'], () => env).help).toBe(METHOD_HELP.diff);
  });

  it.each([
    [
      ['loadtest', 'crosscheck', ...SHAPE, '--model', 'lean'],
      '--model does not apply to loadtest crosscheck',
    ],
    [['loadtest', 'capacity', ...SHAPE, '--force'], '--force does not apply to loadtest capacity'],
    [['loadtest', 'run', ...SHAPE, '--step', 'mps'], '--step does not apply to loadtest run'],
    [
      ['loadtest', 'diff', 'a', 'b', '--connections', '5'],
      '--connections does not apply to loadtest diff',
    ],
    [
      ['loadtest', 'diff', 'a', 'b', '--slo-p95', '500'],
      '--slo-p95 does not apply to loadtest diff',
    ],
    [['loadtest', 'diff', 'a'], 'loadtest diff takes two run ids (got 1)'],
    [
      ['loadtest', 'capacity', ...SHAPE, '--factor', '2', '--increment', '5'],
      'give --factor or --increment, not both',
    ],
    [
      ['loadtest', 'capacity', ...SHAPE, '--increment', '2.5'],
      '--increment must be a whole number of connections (got 2.5)',
    ],
    [
      ['loadtest', 'capacity', ...SHAPE, '--max-steps', '1'],
      '--max-steps must be a whole number from 2 to 20 (got "1")',
    ],
    [
      ['loadtest', 'capacity', ...SHAPE, '--factor', '1'],
      '--factor must be a number from 1.01 to 10 (got "1")',
    ],
    [
      ['loadtest', 'diff', 'a', 'b', '--tolerance-latency=-1'],
      '--tolerance-latency must be a number from 0 to 10000 (got "-1")',
    ],
    [['loadtest', 'crosscheck', 'extra'], 'unknown command "loadtest crosscheck extra"'],
  ])('refuses %p with a usage error', (argv, message) => {
    expect(() => parseCli(argv, () => env)).toThrow(UsageError);
    expect(() => parseCli(argv, () => env)).toThrow(message);
  });
});
