/**
 * The Influx token of every gateway, replayer and chaos run the tests start: the apps require one
 * (secrets have no default, ADR 0031) and VictoriaMetrics ignores it. INFLUX_TOKEN_FILE is
 * cleared, so a developer's own setting cannot make both set; a test overrides either.
 */
export const TEST_INFLUX_TOKEN_ENV: Readonly<Record<'INFLUX_TOKEN' | 'INFLUX_TOKEN_FILE', string>> =
  {
    INFLUX_TOKEN: 'test-influx-token',
    INFLUX_TOKEN_FILE: '',
  };
