import type * as mqttPacket from 'mqtt-packet';
import { AckWindow } from './ack-window';
import type { ConsumerStats } from './consumer-stats';
import type { Delivery } from './delivery';
import { DeliveryPump } from './delivery-pump';
import type { MqttConnection } from './mqtt-connection';
import type { OutgoingRequests } from './outgoing-requests';

/**
 * What exists only while one connection is up (from its CONNACK to its end): the socket, the
 * PUBACKs owed on it and the deliveries it holds back. A reconnect builds a new link; the old
 * one's ack handles go stale with it.
 */
export class ConsumerLink {
  readonly window: AckWindow;
  private readonly pump: DeliveryPump;
  private userPaused = false;

  constructor(
    readonly connection: MqttConnection,
    private readonly requests: OutgoingRequests,
    receiveMaximum: number,
    deliver: (deliveries: Delivery[]) => void,
    stats: ConsumerStats,
  ) {
    this.window = new AckWindow((bytes) => connection.write(bytes), stats);
    this.pump = new DeliveryPump(this.window, receiveMaximum, deliver, stats);
    this.window.onFlushed = () => {
      this.pump.pump();
      this.updateReading();
    };
  }

  /** The application's own pause (backpressure), on top of the pump's. */
  setPaused(paused: boolean): void {
    this.userPaused = paused;
    this.updateReading();
  }

  /** Every packet of one socket read after CONNACK. */
  onPackets(packets: mqttPacket.Packet[]): void {
    const publishes: mqttPacket.IPublishPacket[] = [];
    for (const packet of packets) {
      switch (packet.cmd) {
        case 'publish':
          if (packet.qos === 2) {
            this.connection.protocolError('QoS 2 PUBLISH on a QoS 1 subscription');
            return;
          }
          publishes.push(packet);
          break;
        case 'puback':
        case 'suback':
        case 'unsuback':
          this.requests.onAck(packet);
          break;
        case 'disconnect':
          this.connection.disconnectedByBroker(packet.reasonCode);
          return;
        case 'pingresp':
          // Only proves the broker alive, which the read itself already did.
          break;
        case 'pubrec':
        case 'pubrel':
        case 'pubcomp':
        case 'connack':
        case 'connect':
        case 'subscribe':
        case 'unsubscribe':
        case 'pingreq':
        case 'auth':
          // QoS 2 flows and client-to-server packets: nothing we asked for; a second CONNACK or
          // an AUTH would be a broker bug, and ignoring them keeps the connection useful.
          break;
      }
    }
    if (publishes.length > 0) {
      this.pump.push(publishes, Date.now());
      this.updateReading();
    }
  }

  /** The connection is gone: returns how many deliveries were left unacknowledged or held. */
  close(): number {
    return this.window.close() + this.pump.drop();
  }

  private updateReading(): void {
    if (this.userPaused || this.pump.full) {
      this.connection.pause();
    } else {
      this.connection.resume();
    }
  }
}
