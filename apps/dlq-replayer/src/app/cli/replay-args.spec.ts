import { parseReplayArgs } from './replay-args';
import { UsageError } from '@sousvide/shared-util';

describe('parseReplayArgs', () => {
  it('defaults to a real, unfiltered, unlimited replay with a table report', () => {
    expect(parseReplayArgs(['replay'])).toEqual({
      command: 'replay',
      options: { dryRun: false, json: false },
    });
  });

  it('reads every option, in both --opt value and --opt=value forms', () => {
    const cmd = parseReplayArgs([
      'replay',
      '--kind',
      'influx',
      '--run-id=r1',
      '--limit',
      '10',
      '--rate=2.5',
      '--dry-run',
      '--export',
      'out.jsonl',
      '--json',
    ]);
    expect(cmd).toEqual({
      command: 'replay',
      options: {
        kind: 'influx',
        runId: 'r1',
        limit: 10,
        rate: 2.5,
        dryRun: true,
        exportFile: 'out.jsonl',
        json: true,
      },
    });
  });

  it('answers --help without needing the command', () => {
    expect(parseReplayArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseReplayArgs(['replay', '-h'])).toEqual({ command: 'help' });
  });

  it('rejects an unknown kind, naming the option and the allowed values', () => {
    expect(() => parseReplayArgs(['replay', '--kind', 'bogus'])).toThrow(
      new UsageError('--kind must be one of parse, influx, redis; got "bogus"'),
    );
  });

  it.each(['0', '-1', '1.5', '0x10', '1e3', 'abc', ''])('rejects --limit %j', (value) => {
    expect(() => parseReplayArgs(['replay', `--limit=${value}`])).toThrow(/--limit must be/);
  });

  it.each(['0', '-2', '0x10', 'fast', 'Infinity', ''])('rejects --rate %j', (value) => {
    expect(() => parseReplayArgs(['replay', `--rate=${value}`])).toThrow(/--rate must be/);
  });

  it('rejects unknown options, a missing command and extra positionals', () => {
    expect(() => parseReplayArgs(['replay', '--bogus'])).toThrow(UsageError);
    expect(() => parseReplayArgs([])).toThrow(/expected the command "replay", got none/);
    expect(() => parseReplayArgs(['replay', 'now'])).toThrow(/got "replay now"/);
  });

  it('rejects an option that needs a value but got none', () => {
    expect(() => parseReplayArgs(['replay', '--kind'])).toThrow(UsageError);
    expect(() => parseReplayArgs(['replay', '--run-id='])).toThrow(/--run-id needs/);
  });
});
