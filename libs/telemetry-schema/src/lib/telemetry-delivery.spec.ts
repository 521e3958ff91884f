import { decodeDelivered } from './telemetry-delivery';
import { TelemetryParseError } from './telemetry-parse.error';
import { MAX_PAYLOAD_BYTES, TelemetryV1 } from './telemetry.schema';

const NOW = 1_795_788_703_500;
const reading = (overrides: Partial<TelemetryV1> = {}): Buffer =>
  Buffer.from(
    JSON.stringify({
      v: 1,
      deviceId: 'victim-9',
      seq: 1,
      ts: NOW - 1000,
      tempC: 150,
      targetC: 57,
      heaterOn: true,
      pumpOn: true,
      waterLevel: 0.8,
      state: 'cooking',
      ...overrides,
    }),
  );

function refusal(
  topic: string,
  payload: Buffer,
  window?: { maxAgeMs: number; maxAheadMs: number },
) {
  try {
    decodeDelivered(topic, payload, NOW, window);
  } catch (err) {
    expect(err).toBeInstanceOf(TelemetryParseError);
    return { code: (err as TelemetryParseError).code, message: (err as Error).message };
  }
  throw new Error('delivery was accepted');
}

describe('decodeDelivered: a delivery is bounded by its topic and its receipt', () => {
  it('accepts a device speaking for itself within the window', () => {
    expect(decodeDelivered('sousvide/victim-9/telemetry', reading(), NOW).deviceId).toBe(
      'victim-9',
    );
  });

  it("refuses a payload that speaks for another device than its topic's (attacker/victim)", () => {
    const r = refusal('sousvide/attacker-1/telemetry', reading({ deviceId: 'victim-9' }));
    expect(r.code).toBe('DEVICE_MISMATCH');
    expect(r.message).toContain('"victim-9"');
    expect(r.message).toContain('"attacker-1"');
  });

  it('refuses a topic that is not a device telemetry topic', () => {
    expect(refusal('sousvide/victim-9/control', reading()).code).toBe('BAD_TOPIC');
    expect(refusal('other/victim-9/telemetry', reading()).code).toBe('BAD_TOPIC');
  });

  it('refuses ts older than 24 h or more than 5 min ahead by default, with the bound named', () => {
    const old = refusal('sousvide/victim-9/telemetry', reading({ ts: NOW - 24 * 3600_000 - 1 }));
    expect(old.code).toBe('TS_OUT_OF_WINDOW');
    expect(old.message).toContain('86400001 ms before');
    const ahead = refusal('sousvide/victim-9/telemetry', reading({ ts: NOW + 5 * 60_000 + 1 }));
    expect(ahead).toMatchObject({ code: 'TS_OUT_OF_WINDOW' });
    expect(ahead.message).toContain('300001 ms after');
    // The edges themselves are inside.
    expect(
      decodeDelivered('sousvide/victim-9/telemetry', reading({ ts: NOW + 300_000 }), NOW).ts,
    ).toBe(NOW + 300_000);
    expect(
      decodeDelivered('sousvide/victim-9/telemetry', reading({ ts: NOW - 86_400_000 }), NOW).ts,
    ).toBe(NOW - 86_400_000);
  });

  it('takes a settable window', () => {
    const window = { maxAgeMs: 10_000, maxAheadMs: 0 };
    expect(refusal('sousvide/victim-9/telemetry', reading({ ts: NOW - 10_001 }), window).code).toBe(
      'TS_OUT_OF_WINDOW',
    );
    expect(refusal('sousvide/victim-9/telemetry', reading({ ts: NOW + 1 }), window).code).toBe(
      'TS_OUT_OF_WINDOW',
    );
  });

  it('holds runId to the run-id rule: alphabet and length', () => {
    for (const runId of ['../etc', 'a b', `r${'x'.repeat(100)}`, '-lead', 'key:colon']) {
      const r = refusal('sousvide/victim-9/telemetry', reading({ runId }));
      expect(r.code).toBe('INVALID');
      expect(r.message).toContain('runId');
    }
    const ok = decodeDelivered(
      'sousvide/victim-9/telemetry',
      reading({ runId: 'r'.repeat(100) }),
      NOW,
    );
    expect(ok.runId).toHaveLength(100);
  });

  it('refuses a payload over 4 KiB before parsing it', () => {
    const big = Buffer.concat([reading(), Buffer.alloc(MAX_PAYLOAD_BYTES, 0x20)]);
    expect(refusal('sousvide/victim-9/telemetry', big).code).toBe('TOO_LARGE');
  });
});
