import { addCounts, zeroCounts } from './counts';

describe('counts', () => {
  const NAMES = ['a', 'b'] as const;

  it('zeroCounts has every name at 0 and nothing else', () => {
    expect(zeroCounts(NAMES)).toEqual({ a: 0, b: 0 });
  });

  it('addCounts adds present counters, treats missing ones as 0 and returns the target', () => {
    const into = { a: 1, b: 2 };
    const out = addCounts(NAMES, into, { b: 5 });
    expect(out).toBe(into);
    expect(into).toEqual({ a: 1, b: 7 });
  });

  it('addCounts ignores counters outside the names', () => {
    const into = zeroCounts(NAMES);
    addCounts(NAMES, into, { a: 3, c: 9 } as Partial<Record<'a' | 'b', number>>);
    expect(into).toEqual({ a: 3, b: 0 });
  });
});
