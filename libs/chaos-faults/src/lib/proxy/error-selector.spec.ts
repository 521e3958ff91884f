import { ErrorSelector } from './error-selector';

const draw = (selector: ErrorSelector, n: number): boolean[] =>
  Array.from({ length: n }, () => selector.next());

describe('ErrorSelector', () => {
  it.each([0, 0.01, 0.29, 0.3, 0.5, 0.999, 1])(
    'spread: exactly floor(n * %p) of every first n requests fail',
    (rate) => {
      const fails = draw(new ErrorSelector(rate), 1000);
      for (const n of [1, 7, 100, 333, 1000]) {
        expect(fails.slice(0, n).filter(Boolean)).toHaveLength(Math.floor(n * rate + 1e-9));
      }
    },
  );

  it('spread: rate 0.5 fails every second request', () => {
    expect(draw(new ErrorSelector(0.5), 6)).toEqual([false, true, false, true, false, true]);
  });

  it('seeded: the same seed gives the same selection, another seed another one', () => {
    const a = draw(new ErrorSelector(0.5, { seed: 7 }), 200);
    expect(draw(new ErrorSelector(0.5, { seed: 7 }), 200)).toEqual(a);
    expect(draw(new ErrorSelector(0.5, { seed: 8 }), 200)).not.toEqual(a);
    const failed = a.filter(Boolean).length;
    expect(failed).toBeGreaterThan(70);
    expect(failed).toBeLessThan(130);
  });
});
