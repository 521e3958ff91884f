import { DeviceState, TelemetryV1 } from '@sousvide/telemetry-schema';

/**
 * Per-device cooker physics for a partition, kept in typed arrays (a few bytes per device instead
 * of an object each): water heats toward the setpoint while the heater is on, loses heat slowly
 * when it is off, and evaporates a little with every report.
 */
export class DeviceFleet {
  readonly size: number;
  private readonly temp: Float64Array;
  private readonly target: Float32Array;
  private readonly water: Float32Array;
  private readonly heater: Uint8Array;
  /** `{"v":1,"deviceId":"<id>","seq":` per device, and `,"runId":"<run>","tempC":`: JSON built once. */
  private readonly prefixes: string[];
  private readonly runIdPart: string;
  private seed: number;

  constructor(
    private readonly deviceIds: readonly string[],
    private readonly runId: string,
    seed = 0x2545f491,
  ) {
    const size = deviceIds.length;
    this.size = size;
    this.temp = new Float64Array(size);
    this.target = new Float32Array(size);
    this.water = new Float32Array(size);
    this.heater = new Uint8Array(size);
    this.prefixes = deviceIds.map((id) => `{"v":1,"deviceId":${JSON.stringify(id)},"seq":`);
    this.runIdPart = `,"runId":${JSON.stringify(runId)},"tempC":`;
    this.seed = seed;
    for (let k = 0; k < size; k += 1) {
      this.target[k] = 52 + (k % 13) * 0.5;
      this.temp[k] = 18 + this.random() * 6;
      this.water[k] = 0.75 + this.random() * 0.2;
      this.heater[k] = 1;
    }
  }

  /** Advances device k by one report and returns its telemetry. */
  next(k: number, seq: number, ts: number): TelemetryV1 {
    this.step(k);
    return {
      v: 1,
      deviceId: this.deviceIds[k],
      seq,
      ts,
      runId: this.runId,
      tempC: this.tempC(k),
      targetC: this.targetC(k),
      heaterOn: this.heater[k] === 1,
      pumpOn: true,
      waterLevel: this.waterLevel(k),
      state: this.state(k),
    };
  }

  /**
   * Advances device k by one report and returns the JSON of `next()` (same keys, same order),
   * built as one string: no object and no JSON.stringify per message at 10k msg/s.
   */
  payload(k: number, seq: number, ts: number): string {
    this.step(k);
    return (
      `${this.prefixes[k]}${seq},"ts":${ts}${this.runIdPart}${this.tempC(k)},"targetC":${this.targetC(k)}` +
      `,"heaterOn":${this.heater[k] === 1},"pumpOn":true,"waterLevel":${this.waterLevel(k)},"state":"${this.state(k)}"}`
    );
  }

  private step(k: number): void {
    const target = this.target[k];
    let temp = this.temp[k];
    // Bang-bang control with a small hysteresis band, as a cooker's thermostat does.
    if (temp < target - 0.3) {
      this.heater[k] = 1;
    } else if (temp > target + 0.1) {
      this.heater[k] = 0;
    }
    temp += this.heater[k] === 1 ? 0.35 + this.random() * 0.1 : -0.02 - this.random() * 0.02;
    this.temp[k] = temp;
    this.water[k] = Math.max(0, this.water[k] - 0.00005);
  }

  private tempC(k: number): number {
    return Math.round(this.temp[k] * 10) / 10;
  }

  private targetC(k: number): number {
    return Math.round(this.target[k] * 10) / 10;
  }

  private waterLevel(k: number): number {
    return Math.round(this.water[k] * 1000) / 1000;
  }

  private state(k: number): DeviceState {
    return this.temp[k] < this.target[k] - 1 ? 'preheating' : 'cooking';
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
