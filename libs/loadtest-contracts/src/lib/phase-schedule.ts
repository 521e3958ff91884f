/**
 * Open-loop publish schedule for N devices at `mps` messages per second each. Message i belongs
 * to device i mod N and is its (i div N)-th message; its intended send time is
 * startAt + i * period / N, so device k of N starts at k/N of the period and the offered load is
 * spread evenly instead of bursting on one timer tick. Intended times are monotonic in i, so a
 * single cursor drives the whole partition.
 */
export class PhaseSchedule {
  readonly periodMs: number;
  readonly total: number;
  private readonly stepMs: number;

  constructor(
    readonly devices: number,
    readonly mps: number,
    readonly durationSec: number,
    readonly startAt: number,
  ) {
    if (devices < 1 || mps <= 0 || durationSec <= 0) {
      throw new RangeError('devices, mps and durationSec must be positive');
    }
    this.periodMs = 1000 / mps;
    this.stepMs = this.periodMs / devices;
    this.total = devices * Math.max(1, Math.floor(mps * durationSec));
  }

  /** Intended send time (epoch ms, fractional) of message i. */
  timeOf(i: number): number {
    return this.startAt + i * this.stepMs;
  }

  deviceOf(i: number): number {
    return i % this.devices;
  }

  seqOf(i: number): number {
    return Math.floor(i / this.devices);
  }

  /** Index of the first message not yet due at `now` (all messages before it are due). */
  dueUntil(now: number): number {
    if (now < this.startAt) {
      return 0;
    }
    return Math.min(this.total, Math.floor((now - this.startAt) / this.stepMs + 1e-9) + 1);
  }

  /** When the last message is due. */
  get endAt(): number {
    return this.timeOf(this.total - 1);
  }
}
