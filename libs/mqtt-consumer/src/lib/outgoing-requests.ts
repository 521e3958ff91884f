import type * as mqttPacket from 'mqtt-packet';
import type { ConsumerStats } from './consumer-stats';
import type { MqttConnection } from './mqtt-connection';
import { MqttConsumerError } from './mqtt-consumer.error';
import { describeReasonCode } from './reason-codes';

type Ack = mqttPacket.IPubackPacket | mqttPacket.ISubackPacket | mqttPacket.IUnsubackPacket;

/** A packet of ours awaiting its acknowledgement by packet id. */
interface Pending {
  packet: mqttPacket.IPublishPacket | mqttPacket.ISubscribePacket | mqttPacket.IUnsubscribePacket;
  resolve: (ack: Ack) => void;
  reject: (err: MqttConsumerError) => void;
  timer: NodeJS.Timeout;
  /** Sent on the current connection (false while it waits for a slot or a reconnect). */
  sent: boolean;
  /**
   * Timed out after it was sent: the caller has its error, but the id stays taken until the
   * broker's PUBACK or the connection's end, so a late PUBACK cannot settle a newer publish.
   */
  abandoned?: boolean;
}

/**
 * Our packets that the broker acknowledges by packet id: QoS 1 PUBLISH (fail-safe commands),
 * SUBSCRIBE, UNSUBSCRIBE. Publishes in flight at a connection loss stay pending and go out
 * again after the CONNACK (DUP when the session survived, as MQTT 5 4.4 asks), within their own
 * timeout; subscribe and unsubscribe fail with the loss (the consumer redoes them). At most the
 * broker's Receive Maximum publishes are in flight; the rest wait in order for a slot.
 */
export class OutgoingRequests {
  private readonly pending = new Map<number, Pending>();
  private connection: MqttConnection | undefined;
  private lastId = 0;
  private publishesInFlight = 0;
  private receiveMaximum = 65535;

  constructor(private readonly stats: ConsumerStats) {}

  /** A connection is up: resend what awaited an ack, then what waited for a slot. */
  bind(connection: MqttConnection, sessionPresent: boolean, receiveMaximum: number): void {
    this.connection = connection;
    this.receiveMaximum = receiveMaximum;
    this.publishesInFlight = 0;
    for (const p of this.pending.values()) {
      const wasSent = p.sent;
      p.sent = false;
      if (p.packet.cmd === 'publish' && wasSent && sessionPresent) {
        p.packet = { ...p.packet, dup: true };
      }
    }
    this.sendWaiting();
  }

  /** The connection is gone: subscribe/unsubscribe fail, publishes wait for the next one. */
  unbind(error: MqttConsumerError): void {
    this.connection = undefined;
    for (const [id, p] of this.pending) {
      if (p.packet.cmd !== 'publish' || p.abandoned) {
        this.finish(id)?.reject(error);
      }
    }
  }

  /** Fails everything (close/abort). */
  failAll(error: MqttConsumerError): void {
    this.connection = undefined;
    for (const id of [...this.pending.keys()]) {
      this.finish(id)?.reject(error);
    }
  }

  /** Sends a packet with a fresh id and resolves with the broker's acknowledgement. */
  request<T extends Ack>(
    build: (messageId: number) => Pending['packet'],
    timeoutMs: number,
    what: string,
  ): Promise<T> {
    if (this.connection === undefined) {
      return Promise.reject(
        new MqttConsumerError('NOT_CONNECTED', `cannot ${what}: not connected to the broker`),
      );
    }
    const messageId = this.nextId();
    if (messageId === 0) {
      return Promise.reject(
        new MqttConsumerError(
          'PUBLISH_REJECTED',
          `cannot ${what}: all 65535 packet ids are in use`,
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new MqttConsumerError(
          'TIMEOUT',
          `${what}: no acknowledgement within ${timeoutMs} ms`,
        );
        const entry = this.pending.get(messageId);
        if (entry?.sent && entry.packet.cmd === 'publish' && this.connection !== undefined) {
          entry.abandoned = true;
          entry.reject(error);
          entry.resolve = entry.reject = () => undefined;
          return;
        }
        this.finish(messageId)?.reject(error);
      }, timeoutMs);
      const entry: Pending = {
        packet: build(messageId),
        resolve: resolve as (a: Ack) => void,
        reject,
        timer,
        sent: false,
      };
      this.pending.set(messageId, entry);
      this.sendWaiting();
    });
  }

  /** PUBACK, SUBACK or UNSUBACK from the broker; unknown ids are ignored (a timed-out request). */
  onAck(packet: Ack): void {
    const entry = this.finish(packet.messageId ?? 0);
    if (entry === undefined) {
      return;
    }
    if (packet.cmd === 'puback') {
      const code = packet.reasonCode ?? 0;
      if (code >= 0x80) {
        const message = `broker rejected the publish: ${describeReasonCode(code)}`;
        entry.reject(new MqttConsumerError('PUBLISH_REJECTED', message, { reasonCode: code }));
        return;
      }
    }
    entry.resolve(packet);
  }

  private finish(messageId: number): Pending | undefined {
    const entry = this.pending.get(messageId);
    if (entry === undefined) {
      return undefined;
    }
    this.pending.delete(messageId);
    clearTimeout(entry.timer);
    if (entry.packet.cmd === 'publish') {
      if (entry.sent) {
        this.publishesInFlight -= 1;
      }
      this.sendWaiting();
    }
    return entry;
  }

  /** Sends, in id order of arrival, whatever is unsent and allowed by the broker's Receive Maximum. */
  private sendWaiting(): void {
    const connection = this.connection;
    if (connection === undefined) {
      return;
    }
    for (const p of this.pending.values()) {
      if (p.sent) {
        continue;
      }
      if (p.packet.cmd === 'publish') {
        if (this.publishesInFlight >= this.receiveMaximum) {
          continue;
        }
        this.publishesInFlight += 1;
      }
      p.sent = true;
      connection.send(p.packet);
    }
  }

  private nextId(): number {
    for (let tries = 0; tries < 65535; tries += 1) {
      this.lastId = this.lastId >= 65535 ? 1 : this.lastId + 1;
      if (!this.pending.has(this.lastId)) {
        return this.lastId;
      }
    }
    return 0;
  }
}
