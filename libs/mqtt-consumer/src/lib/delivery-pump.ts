import type * as mqttPacket from 'mqtt-packet';
import type { AckWindow } from './ack-window';
import type { ConsumerStats } from './consumer-stats';
import type { Delivery } from './delivery';

interface Held {
  packet: mqttPacket.IPublishPacket;
  receivedAt: number;
}

/**
 * Hands one connection's PUBLISHes to the application in arrival order, and never lets more
 * than `limit` of them be unacknowledged: the rest wait here until acks make room. Receive
 * Maximum should make waiting rare, but the Mosquitto 2.0.11 that Debian ships refills a
 * client's in-flight window by up to Receive Maximum on every PUBACK of its oldest message
 * (fixed in 2.0.13), so the bound has to hold on our side too (ADR 0013). Reading stops only
 * once a whole further window waits here: until then the socket keeps carrying the PUBACKs of
 * our own publishes, which a fail-safe command must not wait behind.
 */
export class DeliveryPump {
  private held: Held[] = [];

  constructor(
    private readonly window: AckWindow,
    private readonly limit: number,
    private readonly deliver: (deliveries: Delivery[]) => void,
    private readonly stats: ConsumerStats,
  ) {}

  /** True while a whole window's worth waits for room: the connection should stop reading. */
  get full(): boolean {
    return this.held.length >= this.limit;
  }

  /** Forgets what is held (the connection is gone; the broker redelivers it); returns how many. */
  drop(): number {
    const count = this.held.length;
    this.held = [];
    return count;
  }

  /** The PUBLISHes of one read. */
  push(publishes: mqttPacket.IPublishPacket[], receivedAt: number): void {
    let unacked = this.window.unacked + this.held.length;
    for (const packet of publishes) {
      if (packet.qos === 1) {
        unacked += 1;
        if (unacked > this.limit) {
          this.stats.receiveMaximumExceeded += 1;
        }
      }
      this.held.push({ packet, receivedAt });
    }
    this.pump();
  }

  /** Acks have left: hand over what now fits. */
  pump(): void {
    const deliveries: Delivery[] = [];
    let next = 0;
    for (; next < this.held.length; next += 1) {
      const { packet, receivedAt } = this.held[next];
      if (packet.qos === 1 && this.window.unacked >= this.limit) {
        break;
      }
      const ack = packet.qos === 1 ? this.window.track(packet.messageId ?? 0) : undefined;
      const qos = packet.qos === 1 ? 1 : 0;
      deliveries.push({
        topic: packet.topic,
        payload: packet.payload as Buffer,
        receivedAt,
        dup: packet.dup,
        qos,
        ack,
      });
      if (packet.dup) {
        this.stats.deliveredDup += 1;
      }
    }
    this.held = next === this.held.length ? [] : this.held.slice(next);
    if (deliveries.length > 0) {
      this.stats.delivered += deliveries.length;
      this.stats.batches += 1;
      this.deliver(deliveries);
    }
  }
}
