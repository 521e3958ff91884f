import type * as mqttPacket from 'mqtt-packet';
import { fullJitterBackoffMs } from '@sousvide/shared-util';
import { ConsumerLink } from './consumer-link';
import {
  connectPacket,
  resolveOptions,
  type MqttConsumerOptions,
  type ResolvedOptions,
} from './consumer-options';
import type { ConsumerEvent } from './consumer-event';
import { emptyStats, type ConsumerStats } from './consumer-stats';
import type { Delivery } from './delivery';
import { MqttConnection } from './mqtt-connection';
import { MqttConsumerError } from './mqtt-consumer.error';
import { OutgoingRequests } from './outgoing-requests';
import { describeReasonCode, isPermanentRefusal } from './reason-codes';

const END_GRACE_MS = 2000;
const DEFAULT_PUBLISH_TIMEOUT_MS = 5000;

/** What {@link MqttConsumer.close} left behind. */
export interface CloseResult {
  /** Deliveries never acknowledged (released or still pending) when the connection ended. */
  unacked: number;
  /** True when the DISCONNECT ended the session (expiry 0); false keeps it for redelivery. */
  sessionEnded: boolean;
}

type State = 'new' | 'running' | 'closing' | 'closed';
type Starting = { resolve: () => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/**
 * A lean MQTT 5 consumer with explicit acknowledgement (ADR 0013): persistent session, QoS 1
 * subscription renewed after every CONNACK, deliveries handed over in batches per socket read,
 * each QoS 1 delivery PUBACKed only when the application acks it, at most `receiveMaximum`
 * unacknowledged, reconnects with full-jitter backoff until closed, QoS 1 publishes with their
 * PUBACK awaited.
 */
export class MqttConsumer {
  private readonly o: ResolvedOptions;
  private readonly counters = emptyStats();
  private readonly requests = new OutgoingRequests(this.counters);
  private state: State = 'new';
  private connection: MqttConnection | undefined;
  private link: ConsumerLink | undefined;
  private taking = true;
  private paused = false;
  private attempt = 0;
  private lostAt: number | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private serverMaximumPacketSize: number | undefined;
  private starting: Starting | undefined;
  private lastError = 'no answer';
  /** Whether the broker resumed an existing session at the last CONNACK (drain mode reads it). */
  sessionPresent = false;

  /** Checks every option; throws {@link MqttConsumerError} `BAD_URL`/`BAD_OPTIONS` at once. */
  constructor(options: MqttConsumerOptions) {
    this.o = resolveOptions(options);
    this.taking = this.o.mode === 'consume';
  }

  /**
   * Connects and subscribes. Resolves on the first SUBACK, or on a CONNACK that resumed a session
   * (the broker then sends that session's backlog first, and the SUBACK waits behind it: a
   * restarted gateway under load must not fail its boot for it), or in `drain` mode on the
   * CONNACK; rejects (and stops trying) when that does not happen within `firstConnectTimeoutMs`,
   * or at once when the broker refuses for good.
   */
  start(): Promise<void> {
    if (this.state !== 'new') {
      return Promise.reject(new MqttConsumerError('BAD_OPTIONS', 'start() may be called once'));
    }
    this.state = 'running';
    return new Promise<void>((resolve, reject) => {
      const ms = this.o.firstConnectTimeoutMs;
      const timer = setTimeout(() => {
        const why = `no connection and subscription within ${ms / 1000} s`;
        const message = `MQTT broker at ${this.o.url}: ${why} (last error: ${this.lastError})`;
        this.failStart(new MqttConsumerError('UNREACHABLE', message));
      }, ms);
      this.starting = { resolve, reject, timer };
      this.open();
    });
  }

  get connected(): boolean {
    return this.link !== undefined;
  }

  stats(): ConsumerStats {
    return { ...this.counters };
  }

  /** QoS 1 publish; resolves on the broker's PUBACK. Fails at once when not connected. */
  async publish(
    topic: string,
    payload: Buffer,
    timeoutMs = DEFAULT_PUBLISH_TIMEOUT_MS,
  ): Promise<void> {
    if (topic === '' || /[+#]/.test(topic)) {
      const why = 'a topic name must be non-empty and have no wildcards';
      throw new MqttConsumerError('BAD_OPTIONS', `cannot publish to "${topic}": ${why}`);
    }
    // Upper bound of the encoded size: fixed header 5, topic 2 + n, packet id 2, properties 1.
    const size = 10 + Buffer.byteLength(topic) + payload.length;
    const max = this.serverMaximumPacketSize;
    if (max !== undefined && size > max) {
      const why = `~${size} bytes exceed the broker's Maximum Packet Size ${max}`;
      throw new MqttConsumerError('PUBLISH_REJECTED', `cannot publish to ${topic}: ${why}`);
    }
    // Acks given before this publish reach the broker before it (a round trip then proves them).
    this.link?.window.flush();
    const build = (messageId: number): mqttPacket.IPublishPacket => {
      return { cmd: 'publish', topic, payload, qos: 1, messageId, dup: false, retain: false };
    };
    try {
      await this.requests.request(build, timeoutMs, `publish to ${topic}`);
      this.counters.published += 1;
    } catch (err) {
      this.counters.publishFailed += 1;
      throw err;
    }
  }

  /** Stops reading deliveries (backpressure) until {@link resume}. */
  pause(): void {
    this.paused = true;
    this.link?.setPaused(true);
  }

  resume(): void {
    this.paused = false;
    this.link?.setPaused(false);
  }

  /** UNSUBSCRIBE: nothing new is routed here; what is in flight still arrives and can be acked. */
  async stopTaking(): Promise<void> {
    this.taking = false;
    if (this.link !== undefined) {
      await this.unsubscribe().catch(() => undefined);
    }
  }

  /**
   * Planned stop: stop taking, send the PUBACKs due, then DISCONNECT. The session ends (expiry 0)
   * when nothing is left unacknowledged, unless `endSession` says otherwise; else it is kept so
   * the broker redelivers the rest when this client id comes back.
   */
  async close(options: { endSession?: boolean } = {}): Promise<CloseResult> {
    if (this.state === 'closing' || this.state === 'closed') {
      return { unacked: 0, sessionEnded: false };
    }
    this.state = 'closing';
    clearTimeout(this.reconnectTimer);
    await this.stopTaking();
    let result: CloseResult = { unacked: 0, sessionEnded: false };
    const link = this.link;
    if (link !== undefined) {
      link.window.flush();
      const unacked = link.close();
      const sessionEnded = options.endSession ?? unacked === 0;
      const properties = sessionEnded ? { sessionExpiryInterval: 0 } : {};
      await link.connection.end({ cmd: 'disconnect', reasonCode: 0, properties }, END_GRACE_MS);
      result = { unacked, sessionEnded };
    }
    this.teardown('consumer closed');
    return result;
  }

  /** Drops the connection without DISCONNECT, as a crash would: the broker keeps the session. */
  abort(): void {
    this.connection?.destroy();
    this.teardown('consumer aborted');
  }

  private teardown(why: string): void {
    this.state = 'closed';
    clearTimeout(this.reconnectTimer);
    const error = new MqttConsumerError('CLOSED', why);
    this.failStart(error);
    this.link?.close();
    this.link = undefined;
    this.connection = undefined;
    this.requests.failAll(error);
  }

  private open(): void {
    const { host, port, connectTimeoutMs, keepaliveSec } = this.o;
    const target = {
      host,
      port,
      connectTimeoutMs,
      keepaliveSec,
      connect: connectPacket(this.o),
      tls: this.o.secure ? (this.o.tls ?? {}) : undefined,
    };
    const connection: MqttConnection = new MqttConnection(target, {
      onConnack: (connack) => this.onConnack(connection, connack),
      onPackets: (packets) => this.link?.onPackets(packets),
      onClosed: (error, established) => this.onClosed(connection, error, established),
    });
    this.connection = connection;
  }

  private onConnack(connection: MqttConnection, connack: mqttPacket.IConnackPacket): void {
    this.counters.connects += 1;
    const deliver = (deliveries: Delivery[]): void => this.deliver(deliveries);
    const link = new ConsumerLink(
      connection,
      this.requests,
      this.o.receiveMaximum,
      deliver,
      this.counters,
    );
    this.link = link;
    link.setPaused(this.paused);
    this.serverMaximumPacketSize = connack.properties?.maximumPacketSize;
    this.requests.bind(
      connection,
      connack.sessionPresent,
      connack.properties?.receiveMaximum ?? 65535,
    );
    const awayMs = this.lostAt === undefined ? undefined : Date.now() - this.lostAt;
    this.lostAt = undefined;
    this.sessionPresent = connack.sessionPresent;
    this.emit({ type: 'connected', sessionPresent: connack.sessionPresent, awayMs });
    if (this.taking) {
      this.subscribe();
      if (connack.sessionPresent) {
        this.resolveStart();
      }
      return;
    }
    this.attempt = 0;
    if (connack.sessionPresent) {
      // A resumed session may still hold a subscription we dropped before the loss, or (drain
      // mode) the dead owner's: nothing new may be routed here.
      this.unsubscribe().catch(() => undefined);
    }
    if (this.o.mode === 'drain') {
      this.resolveStart();
    }
  }

  private resolveStart(): void {
    const starting = this.starting;
    this.starting = undefined;
    clearTimeout(starting?.timer);
    starting?.resolve();
  }

  private deliver(deliveries: Delivery[]): void {
    try {
      this.o.onDeliveries(deliveries);
    } catch (error) {
      this.emit({ type: 'handler-error', error });
    }
  }

  private subscribe(): void {
    const topic = this.o.topicFilter;
    const build = (messageId: number): mqttPacket.ISubscribePacket => {
      return {
        cmd: 'subscribe',
        messageId,
        subscriptions: [{ topic, qos: 1, nl: false, rap: false, rh: 0 }],
      };
    };
    this.requests
      .request<mqttPacket.ISubackPacket>(build, this.o.connectTimeoutMs, `subscribe to ${topic}`)
      .then((suback) => {
        // For MQTT 5 mqtt-packet gives SUBACK reason codes as plain numbers.
        const code = suback.granted[0];
        const granted = typeof code === 'number' ? code : 0x80;
        if (granted >= 0x80) {
          const message = `broker refused the subscription to ${topic}: ${describeReasonCode(granted)}`;
          throw new MqttConsumerError('REFUSED', message, { reasonCode: granted });
        }
        // Only a subscribed connection counts as recovered: a broker that drops every connection
        // right after CONNACK must still meet a growing backoff.
        this.attempt = 0;
        this.emit({ type: 'subscribed', topicFilter: topic });
        this.resolveStart();
      })
      .catch((err: MqttConsumerError) => {
        this.lastError = err.message;
        this.emit({ type: 'subscribe-failed', error: err });
        if (err.code === 'REFUSED') {
          this.failStart(err);
        }
      });
  }

  private async unsubscribe(): Promise<void> {
    const topic = this.o.topicFilter;
    const build = (messageId: number): mqttPacket.IUnsubscribePacket => {
      return { cmd: 'unsubscribe', messageId, unsubscriptions: [topic] };
    };
    await this.requests.request(build, this.o.connectTimeoutMs, `unsubscribe from ${topic}`);
  }

  private onClosed(
    connection: MqttConnection,
    error: MqttConsumerError,
    established: boolean,
  ): void {
    if (connection !== this.connection) {
      return;
    }
    this.lastError = error.message;
    this.connection = undefined;
    if (established) {
      const unackedDropped = this.link?.close() ?? 0;
      this.link = undefined;
      this.requests.unbind(error);
      this.counters.losses += 1;
      this.lostAt = Date.now();
      this.emit({ type: 'lost', error, unackedDropped });
    }
    if (this.state !== 'running') {
      return;
    }
    if (this.o.mode === 'drain') {
      // Someone else took the session (its owner came back): never fight for it.
      this.failStart(error);
      this.teardown('drain ended: connection lost');
      return;
    }
    if (
      this.starting !== undefined &&
      error.code === 'REFUSED' &&
      isPermanentRefusal(error.reasonCode ?? 0)
    ) {
      this.failStart(error);
      return;
    }
    this.scheduleReconnect(error, established);
  }

  private scheduleReconnect(error: MqttConsumerError, established: boolean): void {
    const retryInMs = fullJitterBackoffMs(this.attempt, this.o.reconnect);
    this.attempt += 1;
    if (!established) {
      this.emit({ type: 'connect-failed', error, attempt: this.attempt, retryInMs });
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.state === 'running') {
        this.open();
      }
    }, retryInMs);
  }

  private failStart(error: MqttConsumerError): void {
    const starting = this.starting;
    if (starting === undefined) {
      return;
    }
    this.starting = undefined;
    clearTimeout(starting.timer);
    if (this.state === 'running') {
      this.abort();
    }
    starting.reject(error);
  }

  private emit(event: ConsumerEvent): void {
    this.o.onEvent?.(event);
  }
}
