import { z } from 'zod';
import {
  choiceOption,
  numberOption,
  readCommandLine,
  textOptions,
  urlOption,
  validateOptions,
} from './command-line';
import { UsageError } from './usage.error';

describe('command-line parsing', () => {
  const schema = z.object({
    n: numberOption(
      { min: 1, max: 10, integer: true },
      (raw) => `--n must be 1..10, got "${raw}"`,
    ).optional(),
    mode: choiceOption(['a', 'b'], (raw) => `--mode must be a or b, got "${raw}"`).default('a'),
    url: urlOption(/^redis:$/, {
      notUrl: (raw) => `--url is not a URL: "${raw}"`,
      scheme: (raw) => `--url has the wrong scheme: "${raw}"`,
    }).optional(),
  });
  const parse = (argv: string[]) =>
    validateOptions(schema, readCommandLine(argv, textOptions('n', 'mode', 'url')).values);

  it('turns valid text into typed values and applies defaults', () => {
    expect(parse(['--n', ' 7 ', '--url=redis://h'])).toEqual({ n: 7, mode: 'a', url: 'redis://h' });
  });

  it.each([
    [['--n', '1.5'], '--n must be 1..10, got "1.5"'],
    [['--n', '0x5'], '--n must be 1..10, got "0x5"'],
    [['--n', '1e1'], '--n must be 1..10, got "1e1"'],
    [['--n='], '--n must be 1..10, got ""'],
    [['--mode', 'c'], '--mode must be a or b, got "c"'],
    [['--url', 'nope'], '--url is not a URL: "nope"'],
    [['--url', 'http://h'], '--url has the wrong scheme: "http://h"'],
  ])('refuses %j with a usage error about the text given', (argv, message) => {
    expect(() => parse(argv)).toThrow(new UsageError(message));
  });

  it("reports an unknown option in node's words, as a usage error", () => {
    expect(() => parse(['--bogus'])).toThrow(UsageError);
    expect(() => parse(['--bogus'])).toThrow("Unknown option '--bogus'");
  });
});
