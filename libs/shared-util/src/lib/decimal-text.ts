// Number() also reads 0x10 as 16, 0b11 as 3, 0o17 as 15 and "Infinity": not what someone typing a
// count or a rate means. An integer is digits only; a number may add a fraction and an exponent.
const INTEGER_TEXT = /^\d+$/;
const NUMBER_TEXT = /^(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?$/i;

/**
 * The value of a number written in plain decimal, blanks around it allowed; undefined for any
 * other text (a base prefix, a sign, `Infinity`, blank). With `integer`, digits only: `1.0` and
 * `1e3` are refused too. The one reader of numbers given as text (flags, run specs), so that
 * every flag takes the same notation.
 */
export function parseDecimal(text: string, integer: boolean): number | undefined {
  const trimmed = text.trim();
  return (integer ? INTEGER_TEXT : NUMBER_TEXT).test(trimmed) ? Number(trimmed) : undefined;
}
