import { decodeTelemetry, encodeTelemetry } from '@sousvide/telemetry-schema';
import { DeviceFleet } from './device-fleet';

describe('DeviceFleet', () => {
  it('heats toward the target, then holds around it with the heater cycling', () => {
    const fleet = new DeviceFleet(['sv-000000'], 'run-1');
    const temps: number[] = [];
    const heater: boolean[] = [];
    let target = 0;
    for (let seq = 0; seq < 400; seq += 1) {
      const t = fleet.next(0, seq, 1_000 + seq * 1000);
      temps.push(t.tempC);
      heater.push(t.heaterOn);
      target = t.targetC;
    }
    expect(temps[0]).toBeLessThan(30);
    expect(temps[100]).toBeGreaterThan(temps[0]);
    const tail = temps.slice(300);
    expect(Math.min(...tail)).toBeGreaterThan(target - 1);
    expect(Math.max(...tail)).toBeLessThan(target + 1);
    expect(heater.slice(300)).toContain(false);
    expect(heater.slice(300)).toContain(true);
  });

  it('produces valid v1 telemetry with the given seq, ts and run id', () => {
    const fleet = new DeviceFleet(['sv-000000', 'sv-000001', 'sv-000002'], 'run-1');
    const t = fleet.next(2, 7, 1795788703500);
    expect(decodeTelemetry(encodeTelemetry(t))).toEqual(t);
    expect(t).toMatchObject({ deviceId: 'sv-000002', seq: 7, ts: 1795788703500, runId: 'run-1' });
    expect(t.waterLevel).toBeGreaterThan(0.7);
  });

  it('builds payload() as exactly the JSON of next() for the same device state', () => {
    const ids = ['sv-000000', 'sv-000001'];
    // A run id needing JSON escapes (the gateway refuses it, the builder must still be exact),
    // and a valid one whose payloads the gateway's decoder accepts as the same telemetry.
    for (const runId of ['run-"q"', 'run-q.1_x']) {
      const objects = new DeviceFleet(ids, runId, 42);
      const strings = new DeviceFleet(ids, runId, 42);
      for (let seq = 0; seq < 300; seq += 1) {
        const k = seq % 2;
        const expected = JSON.stringify(objects.next(k, seq, 1795788703500 + seq));
        const payload = strings.payload(k, seq, 1795788703500 + seq);
        expect(payload).toBe(expected);
        if (runId === 'run-q.1_x') {
          expect(decodeTelemetry(Buffer.from(payload))).toEqual(JSON.parse(expected));
        }
      }
    }
  });
});
