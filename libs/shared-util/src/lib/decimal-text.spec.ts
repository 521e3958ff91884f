import { parseDecimal } from './decimal-text';

describe('parseDecimal', () => {
  it.each([
    ['16', 16],
    [' 7 ', 7],
    ['007', 7],
  ])('reads the integer %j', (text, value) => {
    expect(parseDecimal(text, true)).toBe(value);
  });

  it.each(['0x10', '0b11', '0o17', '1e3', '1.0', '+5', '-1', 'Infinity', '', '  ', '1_000', '1 2'])(
    'refuses %j as an integer: digits only, whatever Number() makes of it',
    (text) => {
      expect(parseDecimal(text, true)).toBeUndefined();
    },
  );

  it.each([
    ['2.5', 2.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e-3', 0.001],
    [' 10 ', 10],
  ])('reads the number %j', (text, value) => {
    expect(parseDecimal(text, false)).toBe(value);
  });

  it.each(['0x10', '0b1', 'Infinity', '-Infinity', '.', 'e3', '1e', '', 'NaN'])(
    'refuses %j as a number',
    (text) => {
      expect(parseDecimal(text, false)).toBeUndefined();
    },
  );
});
