import { parseRunSpec, RunSpecError } from '@sousvide/loadtest-contracts';
import { loadCoordinatorEnv } from '../config/env.schema';
import { UsageError } from '@sousvide/shared-util';
import { parseCli, runSpecProblemLines } from './cli-args';

const env = loadCoordinatorEnv({
  SIM_TASK: 'mqttLoadTestHive',
  MAX_ATTEMPTS: '1',
  RUN_ID: 'from-env',
});

describe('parseCli', () => {
  it('maps named options onto the run spec, with runbook variables as fallbacks', () => {
    const cmd = parseCli(
      [
        'loadtest',
        'run',
        '--connections',
        '200',
        '--partitions=1',
        '--parallelism',
        '40',
        '--mps',
        '1',
        '--duration',
        '10',
        '--qos',
        '1',
      ],
      () => env,
    );
    expect(cmd.command).toBe('run');
    expect(cmd.localAgents).toBe(true);
    expect(cmd.spec).toMatchObject({
      totalConnections: '200',
      partitions: '1',
      model: 'mqttLoadTestHive',
      maxAttempts: '1',
      runId: 'from-env',
      brokerUrl: 'mqtt://127.0.0.1:1883',
    });
  });

  it('lets named options override the environment', () => {
    const cmd = parseCli(
      ['loadtest', 'run', '--model', 'mqttjs', '--run-id', 'cli', '--agents', 'external', '--json'],
      () => env,
    );
    expect(cmd.spec.model).toBe('mqttjs');
    expect(cmd.spec.runId).toBe('cli');
    expect(cmd.localAgents).toBe(false);
    expect(cmd.json).toBe(true);
  });

  it('passes --loop and --window on to the run spec', () => {
    const cmd = parseCli(['loadtest', 'run', '--loop', 'closed', '--window', '4'], () => env);
    expect(cmd.spec).toMatchObject({ loop: 'closed', window: '4' });
    expect(parseCli(['loadtest', 'run'], () => env).spec.loop).toBeUndefined();
  });

  it('takes the agents mode from LOADTEST_AGENTS unless --agents is given', () => {
    const compose = loadCoordinatorEnv({ LOADTEST_AGENTS: 'external' });
    expect(parseCli(['loadtest', 'run'], () => compose).localAgents).toBe(false);
    expect(parseCli(['loadtest', 'run', '--agents', 'local'], () => compose).localAgents).toBe(
      true,
    );
    expect(() => loadCoordinatorEnv({ LOADTEST_AGENTS: 'remote' })).toThrow(/LOADTEST_AGENTS/);
  });

  it('judges the SLOs unless JUDGE_SLO=0, and names a bad value', () => {
    expect(loadCoordinatorEnv({}).JUDGE_SLO).toBe(true);
    expect(loadCoordinatorEnv({ JUDGE_SLO: '0' }).JUDGE_SLO).toBe(false);
    expect(() => loadCoordinatorEnv({ JUDGE_SLO: 'no' })).toThrow(/JUDGE_SLO must be 0 or 1/);
  });

  it('answers --help and no arguments with help, and knows serve', () => {
    expect(parseCli(['--help'], () => env).command).toBe('help');
    expect(parseCli([], () => env).command).toBe('help');
    expect(parseCli(['serve'], () => env).command).toBe('serve');
  });

  it('reads `loadtest report` and `loadtest table` with their run ids', () => {
    expect(parseCli(['loadtest', 'report', 'a1', 'b-2'], () => env)).toMatchObject({
      command: 'report',
      runIds: ['a1', 'b-2'],
    });
    expect(parseCli(['table', 'a1'], () => env)).toMatchObject({
      command: 'table',
      runIds: ['a1'],
    });
  });

  it('reads the settings only for the commands that run load', () => {
    // A bad MQTT_URL or REDIS_URL must not stop help or the commands that only read artifacts.
    const unreadable = (): never => {
      throw new Error('MQTT_URL: not a broker URL');
    };
    const withoutSettings = [
      ['--help'],
      ['serve'],
      ['table', 'a1'],
      ['loadtest', 'diff', 'a', 'b'],
    ];
    expect(withoutSettings.map((argv) => parseCli(argv, unreadable).command)).toEqual([
      'help',
      'serve',
      'table',
      'diff',
    ]);
    for (const command of ['run', 'crosscheck', 'capacity']) {
      expect(() => parseCli(['loadtest', command], unreadable)).toThrow(
        'MQTT_URL: not a broker URL',
      );
    }
  });

  it.each([
    [['loadtest', 'fly'], 'unknown command "loadtest fly"'],
    [['loadtest', 'table'], 'loadtest table needs at least one run id'],
    [['loadtest', 'report', '../etc'], 'run id "../etc" is not valid'],
    [['loadtest', 'run', '--conections', '5'], "Unknown option '--conections'"],
    [
      ['loadtest', 'run', '--agents', 'remote'],
      '--agents must be local or external (got "remote")',
    ],
  ])('refuses %p with a usage error', (argv, message) => {
    expect(() => parseCli(argv, () => env)).toThrow(UsageError);
    expect(() => parseCli(argv, () => env)).toThrow(message);
  });

  it('names the variable when the environment is invalid', () => {
    expect(() => loadCoordinatorEnv({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
    expect(() => loadCoordinatorEnv({ OPS_PORT: '99999' })).toThrow(/OPS_PORT/);
  });

  it('names the flag (and its variable) and the value of each refused run argument', () => {
    const cmd = parseCli(
      ['loadtest', 'run', '--connections', '0x10', '--partitions', '1', '--parallelism', '4'],
      () => loadCoordinatorEnv({ MAX_ATTEMPTS: '0x3' }),
    );
    let err: unknown;
    try {
      parseRunSpec({ ...cmd.spec, mps: '1', durationSec: '10', qos: '1' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RunSpecError);
    expect(runSpecProblemLines(err as RunSpecError)).toEqual([
      '--connections: totalConnections must be an integer in 1..200000 written in decimal digits (got "0x10")',
      '--max-attempts (MAX_ATTEMPTS): maxAttempts must be an integer in 1..20 written in decimal digits (got "0x3")',
    ]);
  });
});
