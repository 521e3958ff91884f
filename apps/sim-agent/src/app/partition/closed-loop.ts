import {
  CLOSED_LOOP_SATURATED_BELOW,
  type ClosedLoopPartStats,
} from '@sousvide/loadtest-contracts';

/** Sends one schedule slot of device `k` now (the window already counts it in flight). */
export type SendSlot = (slot: number, k: number) => void;

/**
 * The closed loop's per-device windows (ADR 0019). A schedule slot of device k that falls due
 * goes out only while fewer than `window` of k's publishes await their ack; otherwise the device
 * owes one message, sent as soon as one of its publishes settles (acked, failed or timed out).
 * Further slots that fall due meanwhile are withheld, not queued: the schedule stays a ceiling
 * and a device never bursts to catch up. Sequence numbers are given at send time, so a device's
 * seq stays gap-free however many slots were withheld.
 *
 * Memory is typed arrays, 18 bytes per device. Owed sends triggered by an ack are deferred to
 * setImmediate: a client's ack callback runs inside its packet handling, and publishing from
 * there can stall MQTT.js (docs: handleMessage).
 */
export class ClosedLoop {
  private readonly inflight: Uint16Array;
  /** Slot a device owes, or -1. A slot index may pass 2^31 in a long run: doubles, not int32. */
  private readonly owed: Float64Array;
  private readonly sent: Uint32Array;
  private readonly acked: Uint32Array;
  private readonly ready: number[] = [];
  private flushScheduled = false;
  private open = true;
  private withheld = 0;

  constructor(
    private readonly devices: number,
    readonly window: number,
    private readonly send: SendSlot,
  ) {
    if (!Number.isInteger(window) || window < 1 || window > 0xffff) {
      throw new RangeError(`window must be an integer in 1..65535, got ${window}`);
    }
    this.inflight = new Uint16Array(devices);
    this.owed = new Float64Array(devices).fill(-1);
    this.sent = new Uint32Array(devices);
    this.acked = new Uint32Array(devices);
  }

  /** A slot of device k fell due: true when it may be sent now (it is then counted in flight). */
  admit(k: number, slot: number): boolean {
    if (this.open && this.inflight[k] < this.window) {
      this.inflight[k] += 1;
      return true;
    }
    if (this.open && this.owed[k] < 0) {
      this.owed[k] = slot;
    } else {
      this.withheld += 1;
    }
    return false;
  }

  /** Device k's next sequence number; call once per message actually handed to its client. */
  nextSeq(k: number): number {
    const seq = this.sent[k];
    this.sent[k] = seq + 1;
    return seq;
  }

  /** One of device k's publishes settled; an owed slot goes out on the next turn. */
  settled(k: number, acked: boolean): void {
    if (this.inflight[k] > 0) {
      this.inflight[k] -= 1;
    }
    if (acked) {
      this.acked[k] += 1;
    }
    const slot = this.owed[k];
    if (slot < 0 || !this.open) {
      return;
    }
    this.owed[k] = -1;
    this.inflight[k] += 1;
    this.ready.push(slot, k);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** The publish window ended: what is still owed or about to go out is withheld. */
  close(): void {
    this.open = false;
    for (let k = 0; k < this.devices; k += 1) {
      if (this.owed[k] >= 0) {
        this.owed[k] = -1;
        this.withheld += 1;
      }
    }
    this.flush();
  }

  /** Publishes in flight for device k (for tests and progress). */
  inflightOf(k: number): number {
    return this.inflight[k];
  }

  stats(targetPerDevice: number): ClosedLoopPartStats {
    let min = Number.POSITIVE_INFINITY;
    let max = 0;
    let sum = 0;
    let below = 0;
    for (let k = 0; k < this.devices; k += 1) {
      const n = this.acked[k];
      min = Math.min(min, n);
      max = Math.max(max, n);
      sum += n;
      if (n < targetPerDevice * CLOSED_LOOP_SATURATED_BELOW) {
        below += 1;
      }
    }
    return {
      window: this.window,
      withheld: this.withheld,
      deviceAckedMin: this.devices === 0 ? 0 : min,
      deviceAckedMax: max,
      deviceAckedSum: sum,
      devicesBelowTarget: below,
      targetPerDevice,
    };
  }

  private flush(): void {
    this.flushScheduled = false;
    const ready = this.ready.splice(0);
    for (let j = 0; j < ready.length; j += 2) {
      const k = ready[j + 1];
      if (this.open) {
        this.send(ready[j], k);
      } else {
        this.inflight[k] -= 1;
        this.withheld += 1;
      }
    }
  }
}
