import { fastTelemetryV1 } from './telemetry-fast';
import { telemetryV1Schema } from './telemetry.schema';

/** Per field: values the schema takes and values it refuses (undefined: the field is absent). */
const VALUES: Record<string, unknown[]> = {
  v: [1, 2, '1', 1.0000001, undefined],
  deviceId: [
    'sv-000123',
    'a',
    'x'.repeat(128),
    'x'.repeat(129),
    '',
    'sv 1',
    'sv-1\n',
    7,
    undefined,
  ],
  seq: [0, 42, -0, -1, 1.5, 2 ** 53, 2 ** 53 - 1, '3', null, undefined],
  ts: [1795788703500, 1, 0, -5, 1.5, 2 ** 60, '1795788703500', undefined],
  runId: ['run-1', 'r'.repeat(100), 'r'.repeat(101), '-run', 'a/b', '', 5, null, undefined],
  tempC: [56.4, -3, 0, 1e308, '56.4', null, undefined],
  targetC: [57, -0, 'x', undefined],
  heaterOn: [true, false, 1, 'true', undefined],
  pumpOn: [false, true, 0, null, undefined],
  waterLevel: [0.82, 0, 1, -0.01, 1.01, '0.5', undefined],
  state: ['cooking', 'idle', 'error', 'COOKING', 'boiling', 3, undefined],
  firmware: ['1.2.3', undefined],
};
const FIELDS = Object.keys(VALUES);
const VALID = Object.fromEntries(FIELDS.map((f) => [f, VALUES[f][0]]));

/** Deterministic pseudo-random (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The payload as JSON.parse would give it: absent fields left out, in a shuffled order. */
function payload(values: Record<string, unknown>, random: () => number): Record<string, unknown> {
  const keys = FIELDS.filter((f) => values[f] !== undefined).sort(() => random() - 0.5);
  return JSON.parse(JSON.stringify(Object.fromEntries(keys.map((k) => [k, values[k]]))));
}

function expectSameAsSchema(json: unknown): 'fast' | 'schema' {
  const fast = fastTelemetryV1(json);
  if (fast === undefined) {
    return 'schema';
  }
  const zod = telemetryV1Schema.safeParse(json);
  expect(zod.success).toBe(true);
  expect(Object.entries(fast)).toEqual(Object.entries(zod.data ?? {}));
  return 'fast';
}

describe('fastTelemetryV1', () => {
  it('answers like the schema for a valid payload, keys in the schema order, unknown fields dropped', () => {
    expect(expectSameAsSchema(payload(VALID, rng(1)))).toBe('fast');
    expect(Object.keys(fastTelemetryV1(payload(VALID, rng(2))) ?? {})).toEqual(
      Object.keys(telemetryV1Schema.shape),
    );
  });

  it.each(FIELDS.flatMap((f) => VALUES[f].slice(1).map((v) => [f, v] as const)))(
    'never accepts what the schema refuses: %s = %p',
    (field, value) => {
      const json = payload({ ...VALID, [field]: value }, rng(3));
      const schemaTakes = telemetryV1Schema.safeParse(json).success;
      const fastTakes = expectSameAsSchema(json) === 'fast';
      expect(fastTakes && !schemaTakes).toBe(false);
    },
  );

  it('agrees with the schema on random mixes of good and bad fields', () => {
    const random = rng(42);
    let fast = 0;
    for (let i = 0; i < 3000; i += 1) {
      const values = Object.fromEntries(
        FIELDS.map((f) => [
          f,
          random() < 0.8 ? VALUES[f][0] : VALUES[f][Math.floor(random() * VALUES[f].length)],
        ]),
      );
      if (expectSameAsSchema(payload(values, random)) === 'fast') {
        fast += 1;
      }
    }
    expect(fast).toBeGreaterThan(0);
  });

  it.each([null, [], 'x', 1, [VALID]])(
    'leaves a payload that is not an object to the schema: %p',
    (json) => {
      expect(fastTelemetryV1(json)).toBeUndefined();
    },
  );
});
