import { runKey, type TelemetryV1 } from '@sousvide/telemetry-schema';
import { InfluxWriteError } from './influx-write.error';
import { telemetryToLine } from './line-protocol';

const base: TelemetryV1 = {
  v: 1,
  deviceId: 'sv-000123',
  seq: 42,
  ts: 1795788703500,
  runId: 'pr2-hive-10k-20261127-141500',
  tempC: 56.4,
  targetC: 57,
  heaterOn: true,
  pumpOn: false,
  waterLevel: 0.82,
  state: 'cooking',
};

describe('telemetryToLine', () => {
  it('encodes measurement, the device tag, typed fields, the run as a field and the ms timestamp', () => {
    expect(telemetryToLine(base)).toBe(
      'telemetry,deviceId=sv-000123 ' +
        'tempC=56.4,targetC=57,heaterOn=true,pumpOn=false,waterLevel=0.82,state="cooking",seq=42i,' +
        `runKey=${runKey('pr2-hive-10k-20261127-141500')}i 1795788703500`,
    );
  });

  it('never makes the run a tag, and omits runKey for real devices and an empty runId', () => {
    const real: TelemetryV1 = { ...base };
    delete real.runId;
    expect(telemetryToLine(base)).toMatch(/^telemetry,deviceId=sv-000123 tempC=/);
    expect(telemetryToLine(real)).not.toContain('runKey=');
    expect(telemetryToLine({ ...base, runId: '' })).not.toContain('runKey=');
  });

  it('gives two runs of the same device different runKey values in the same series', () => {
    const a = telemetryToLine({ ...base, runId: 'run-a' });
    const b = telemetryToLine({ ...base, runId: 'run-b' });
    expect(a.split(' ')[0]).toBe(b.split(' ')[0]);
    expect(a).toContain(`runKey=${runKey('run-a')}i`);
    expect(b).toContain(`runKey=${runKey('run-b')}i`);
  });

  it('omits seq when the producer sends none, and writes seq 0 as an integer', () => {
    const noSeq: TelemetryV1 = { ...base };
    delete noSeq.seq;
    expect(telemetryToLine(noSeq)).not.toContain('seq=');
    expect(telemetryToLine(noSeq)).toMatch(/state="cooking",runKey=\d+i 1795788703500$/);
    expect(telemetryToLine({ ...base, seq: 0 })).toContain(',seq=0i,');
  });

  it('writes booleans as true/false and whole floats without an integer suffix', () => {
    const line = telemetryToLine({
      ...base,
      heaterOn: false,
      pumpOn: true,
      tempC: -3,
      waterLevel: 1,
    });
    expect(line).toContain('tempC=-3,');
    expect(line).toContain('heaterOn=false,pumpOn=true,');
    expect(line).toContain('waterLevel=1,');
  });

  it('escapes commas, spaces and equals signs in tag values', () => {
    const line = telemetryToLine({ ...base, deviceId: 'dev 1,a=b' });
    expect(line).toMatch(/^telemetry,deviceId=dev\\ 1\\,a\\=b tempC=/);
  });

  it('escapes quotes and backslashes in string fields', () => {
    // The schema restricts state to an enum; the encoder still must not break the line.
    const odd = { ...base, state: 'say "hi" \\o/' } as unknown as TelemetryV1;
    expect(telemetryToLine(odd)).toContain('state="say \\"hi\\" \\\\o/"');
  });

  it.each([
    ['NaN tempC', { tempC: Number.NaN }, /tempC must be a finite number/],
    ['Infinity targetC', { targetC: Number.POSITIVE_INFINITY }, /targetC must be a finite/],
    ['fractional ts', { ts: 1.5 }, /ts must be a non-negative integer/],
    ['fractional seq', { seq: 2.5 }, /seq must be a non-negative integer/],
    ['empty deviceId', { deviceId: '' }, /deviceId must not be empty/],
  ])('rejects %s with code INVALID', (_name, patch, message) => {
    const encode = (): string => telemetryToLine({ ...base, ...patch });
    expect(encode).toThrow(InfluxWriteError);
    expect(encode).toThrow(message);
    try {
      encode();
    } catch (error) {
      expect((error as InfluxWriteError).code).toBe('INVALID');
    }
  });
});
