import { backoffMsEnv, RECONNECT_BACKOFF_DEFAULTS } from './reconnect-policy';

describe('reconnect policy', () => {
  it('defaults to 500 ms doubling to 15 s', () => {
    expect(RECONNECT_BACKOFF_DEFAULTS).toEqual({ baseMs: 500, capMs: 15_000 });
  });

  it('takes a bound from the environment within its limits, naming nothing else', () => {
    expect(backoffMsEnv('capMs', 5000).parse(undefined)).toBe(5000);
    expect(backoffMsEnv('capMs', 5000).parse('700')).toBe(700);
    expect(backoffMsEnv('baseMs', 100).safeParse('60001').success).toBe(false);
  });
});
