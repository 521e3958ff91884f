import { decodeTelemetry, encodeTelemetry } from './telemetry.codec';
import { TelemetryParseError } from './telemetry-parse.error';
import { MAX_PAYLOAD_BYTES, TelemetryV1 } from './telemetry.schema';
import {
  controlTopic,
  deviceIdFromTopic,
  GATEWAY_SHARED_SUBSCRIPTION,
  telemetryTopic,
} from './topics';

const valid: TelemetryV1 = {
  v: 1,
  deviceId: 'sv-000123',
  seq: 42,
  ts: 1795788703500,
  runId: 'pr2-hive-10k-20261127-141500',
  tempC: 56.4,
  targetC: 57,
  heaterOn: true,
  pumpOn: true,
  waterLevel: 0.82,
  state: 'cooking',
};

function codeOf(payload: Uint8Array): string {
  try {
    decodeTelemetry(payload);
  } catch (err) {
    expect(err).toBeInstanceOf(TelemetryParseError);
    return (err as TelemetryParseError).code;
  }
  throw new Error('payload was accepted');
}

describe('telemetry codec', () => {
  it('round-trips the example payload of docs/architecture.md', () => {
    expect(decodeTelemetry(encodeTelemetry(valid))).toEqual(valid);
  });

  it('ignores unknown fields and accepts a payload without runId or seq', () => {
    const real: Partial<TelemetryV1> = { ...valid };
    delete real.runId;
    delete real.seq;
    const decoded = decodeTelemetry(Buffer.from(JSON.stringify({ ...real, firmware: '1.2.3' })));
    expect(decoded).toEqual(real);
  });

  it.each([
    ['empty', Buffer.alloc(0), 'EMPTY'],
    ['binary (invalid UTF-8)', Buffer.from([0xff, 0xfe, 0x00, 0xc3]), 'NOT_UTF8'],
    ['not JSON', Buffer.from('temp=56.4'), 'NOT_JSON'],
    ['a JSON array', Buffer.from('[1,2]'), 'INVALID'],
    ['over 4 KiB', Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20), 'TOO_LARGE'],
  ])('rejects a payload that is %s', (_name, payload, code) => {
    expect(codeOf(payload)).toBe(code);
  });

  it('names each missing or mistyped field', () => {
    const bad = { ...valid, tempC: 'hot', deviceId: undefined };
    try {
      decodeTelemetry(Buffer.from(JSON.stringify(bad)));
      throw new Error('accepted');
    } catch (err) {
      const parseError = err as TelemetryParseError;
      expect(parseError.code).toBe('INVALID');
      expect(parseError.fields).toEqual(expect.arrayContaining(['tempC', 'deviceId']));
      expect(parseError.message).toContain('tempC');
    }
  });

  it('rejects a wrong version, a negative seq and a water level outside 0..1', () => {
    expect(codeOf(Buffer.from(JSON.stringify({ ...valid, v: 2 })))).toBe('INVALID');
    expect(codeOf(Buffer.from(JSON.stringify({ ...valid, seq: -1 })))).toBe('INVALID');
    expect(codeOf(Buffer.from(JSON.stringify({ ...valid, waterLevel: 1.5 })))).toBe('INVALID');
  });

  it('refuses to encode a message over the cap', () => {
    expect(() => encodeTelemetry({ ...valid, runId: 'x'.repeat(MAX_PAYLOAD_BYTES) })).toThrow(
      TelemetryParseError,
    );
  });
});

describe('topics', () => {
  it('builds telemetry and control topics and reads the device id back', () => {
    expect(telemetryTopic('sv-1')).toBe('sousvide/sv-1/telemetry');
    expect(controlTopic('sv-1')).toBe('sousvide/sv-1/control');
    expect(deviceIdFromTopic('sousvide/sv-1/telemetry')).toBe('sv-1');
    expect(deviceIdFromTopic('sousvide/sv-1/other')).toBeUndefined();
    expect(deviceIdFromTopic('other/sv-1/telemetry')).toBeUndefined();
    expect(GATEWAY_SHARED_SUBSCRIPTION).toBe('$share/ingest/sousvide/+/telemetry');
  });
});
