import { DeviceState, TelemetryV1 } from '@sousvide/telemetry-schema';

/**
 * Per-device cooker physics for a partition, kept in typed arrays (a few bytes per device instead
 * of an object each): water heats toward the setpoint while the heater is on, loses heat slowly
 * when it is off, and evaporates a little with every report.
 */
export class DeviceFleet {
  private readonly temp: Float64Array;
  private readonly target: Float32Array;
  private readonly water: Float32Array;
  private readonly heater: Uint8Array;
  private seed: number;

  constructor(
    readonly size: number,
    private readonly runId: string,
    seed = 0x2545f491,
  ) {
    this.temp = new Float64Array(size);
    this.target = new Float32Array(size);
    this.water = new Float32Array(size);
    this.heater = new Uint8Array(size);
    this.seed = seed;
    for (let k = 0; k < size; k += 1) {
      this.target[k] = 52 + (k % 13) * 0.5;
      this.temp[k] = 18 + this.random() * 6;
      this.water[k] = 0.75 + this.random() * 0.2;
      this.heater[k] = 1;
    }
  }

  /** Advances device k by one report and returns its telemetry. */
  next(k: number, deviceId: string, seq: number, ts: number): TelemetryV1 {
    const target = this.target[k];
    let temp = this.temp[k];
    // Bang-bang control with a small hysteresis band, as a cooker's thermostat does.
    if (temp < target - 0.3) {
      this.heater[k] = 1;
    } else if (temp > target + 0.1) {
      this.heater[k] = 0;
    }
    const heaterOn = this.heater[k] === 1;
    temp += heaterOn ? 0.35 + this.random() * 0.1 : -0.02 - this.random() * 0.02;
    this.temp[k] = temp;
    this.water[k] = Math.max(0, this.water[k] - 0.00005);
    const state: DeviceState = temp < target - 1 ? 'preheating' : 'cooking';
    return {
      v: 1,
      deviceId,
      seq,
      ts,
      runId: this.runId,
      tempC: Math.round(temp * 10) / 10,
      targetC: Math.round(target * 10) / 10,
      heaterOn,
      pumpOn: true,
      waterLevel: Math.round(this.water[k] * 1000) / 1000,
      state,
    };
  }

  /** xorshift32: deterministic noise, cheap enough for 10k+ messages per second. */
  private random(): number {
    let x = this.seed;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.seed = x >>> 0;
    return this.seed / 0x100000000;
  }
}
