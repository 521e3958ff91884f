import {
  backoffMsEnv,
  RECONNECT_BACKOFF_DEFAULTS,
  RECONNECT_BACKOFF_LIMITS,
} from './reconnect-policy';

describe('reconnect policy', () => {
  it('reads env values as whole milliseconds within the limits, defaulting when unset', () => {
    for (const bound of ['baseMs', 'capMs'] as const) {
      const schema = backoffMsEnv(bound, RECONNECT_BACKOFF_DEFAULTS[bound]);
      const { min, max } = RECONNECT_BACKOFF_LIMITS[bound];
      expect(schema.parse(undefined)).toBe(RECONNECT_BACKOFF_DEFAULTS[bound]);
      expect(schema.parse('250')).toBe(250);
      expect(schema.parse(String(max))).toBe(max);
      for (const bad of [String(min - 1), String(max + 1), '1.5', 'soon']) {
        expect(schema.safeParse(bad).success).toBe(false);
      }
    }
  });

  it('has defaults that pass the limits, with the base below the cap', () => {
    for (const bound of ['baseMs', 'capMs'] as const) {
      const { min, max } = RECONNECT_BACKOFF_LIMITS[bound];
      expect(RECONNECT_BACKOFF_DEFAULTS[bound]).toBeGreaterThanOrEqual(min);
      expect(RECONNECT_BACKOFF_DEFAULTS[bound]).toBeLessThanOrEqual(max);
    }
    expect(RECONNECT_BACKOFF_DEFAULTS.baseMs).toBeLessThan(RECONNECT_BACKOFF_DEFAULTS.capMs);
  });
});
