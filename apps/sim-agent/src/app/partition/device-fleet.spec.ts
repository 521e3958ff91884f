import { decodeTelemetry, encodeTelemetry } from '@sousvide/telemetry-schema';
import { DeviceFleet } from './device-fleet';

describe('DeviceFleet', () => {
  it('heats toward the target, then holds around it with the heater cycling', () => {
    const fleet = new DeviceFleet(1, 'run-1');
    const temps: number[] = [];
    const heater: boolean[] = [];
    let target = 0;
    for (let seq = 0; seq < 400; seq += 1) {
      const t = fleet.next(0, 'sv-000000', seq, 1_000 + seq * 1000);
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
    const fleet = new DeviceFleet(3, 'run-1');
    const t = fleet.next(2, 'sv-000002', 7, 1795788703500);
    expect(decodeTelemetry(encodeTelemetry(t))).toEqual(t);
    expect(t).toMatchObject({ deviceId: 'sv-000002', seq: 7, ts: 1795788703500, runId: 'run-1' });
    expect(t.waterLevel).toBeGreaterThan(0.7);
  });
});
