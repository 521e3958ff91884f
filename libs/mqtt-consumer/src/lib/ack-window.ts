import type { AckHandle } from './delivery';
import type { ConsumerStats } from './consumer-stats';

const PENDING = 0;
const ACKED = 1;
const RELEASED = 2;
/** Compact the queue once this many settled entries sit before its head. */
const COMPACT_AT = 4096;

/** One QoS 1 delivery awaiting its PUBACK; it is the application's {@link AckHandle}. */
class InflightDelivery implements AckHandle {
  state = PENDING;

  constructor(
    private readonly window: AckWindow,
    readonly packetId: number,
  ) {}

  ack(): void {
    this.window.settle(this, ACKED);
  }

  release(): void {
    this.window.settle(this, RELEASED);
  }
}

/**
 * The QoS 1 deliveries of one connection in the order they arrived, and the PUBACKs owed for
 * them. MQTT 5 (4.6) requires PUBACKs in the order the PUBLISHes were received, so acks may come
 * in any order but a PUBACK leaves only for the acknowledged prefix; every PUBACK due after one
 * turn of the event loop goes out in one socket write. A released entry never gets a PUBACK on
 * this connection and so holds back every later one. Once the connection is gone the window is
 * closed and its handles are stale: settling them changes nothing on the wire (counted).
 */
export class AckWindow {
  private entries: InflightDelivery[] = [];
  private head = 0;
  private flushTimer: NodeJS.Immediate | undefined;
  private closed = false;

  /** Called after PUBACKs were written, so whoever waits for room can go on. */
  onFlushed: () => void = () => undefined;

  constructor(
    private readonly write: (bytes: Buffer) => void,
    private readonly stats: ConsumerStats,
  ) {}

  /** Deliveries received and not yet PUBACKed (released ones included). */
  get unacked(): number {
    return this.entries.length - this.head;
  }

  track(packetId: number): AckHandle {
    const entry = new InflightDelivery(this, packetId);
    this.entries.push(entry);
    this.stats.unacked = this.unacked;
    if (this.stats.unacked > this.stats.maxUnacked) {
      this.stats.maxUnacked = this.stats.unacked;
    }
    return entry;
  }

  settle(entry: InflightDelivery, to: typeof ACKED | typeof RELEASED): void {
    if (this.closed) {
      this.stats.staleAcks += 1;
      return;
    }
    if (entry.state !== PENDING) {
      return;
    }
    entry.state = to;
    if (to === RELEASED) {
      this.stats.released += 1;
      return;
    }
    this.stats.acked += 1;
    if (this.flushTimer === undefined && this.entries[this.head] === entry) {
      this.flushTimer = setImmediate(() => this.flush());
    }
  }

  /** Writes the PUBACKs of the acknowledged prefix now, in one write. */
  flush(): void {
    clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    if (this.closed) {
      return;
    }
    let end = this.head;
    while (end < this.entries.length && this.entries[end].state === ACKED) {
      end += 1;
    }
    const count = end - this.head;
    if (count === 0) {
      return;
    }
    // PUBACK with reason Success and no properties may omit both (MQTT 5, 3.4.2.1): 4 bytes.
    const bytes = Buffer.allocUnsafe(count * 4);
    for (let i = 0; i < count; i += 1) {
      const id = this.entries[this.head + i].packetId;
      bytes[i * 4] = 0x40;
      bytes[i * 4 + 1] = 0x02;
      bytes.writeUInt16BE(id, i * 4 + 2);
    }
    this.head = end;
    this.compact();
    this.stats.unacked = this.unacked;
    this.stats.pubacksSent += count;
    this.stats.pubackWrites += 1;
    this.write(bytes);
    this.onFlushed();
  }

  /** The connection is gone: later acks of its handles are stale. */
  close(): number {
    clearImmediate(this.flushTimer);
    this.flushTimer = undefined;
    this.closed = true;
    const dropped = this.unacked;
    this.entries = [];
    this.head = 0;
    this.stats.unacked = 0;
    return dropped;
  }

  private compact(): void {
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AT) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
