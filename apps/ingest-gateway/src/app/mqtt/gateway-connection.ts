import mqtt, { IConnackPacket, MqttClient } from 'mqtt';
import { BackoffPolicy, fullJitterBackoffMs } from '@sousvide/shared-util';
import { GATEWAY_SHARED_SUBSCRIPTION } from '@sousvide/telemetry-schema';
import { RawMessage } from '@sousvide/ingest-pipeline';

export interface GatewayConnectionOptions {
  url: string;
  /** Stable per instance and connection index, so a reconnect resumes the same session. */
  clientId: string;
  sessionExpirySec: number;
  /** The shared subscription (default), or a plain filter for an exclusive single consumer. */
  topicFilter?: string;
  reconnect: BackoffPolicy;
  onMessage: (m: RawMessage) => void;
  /** A connection came back after `awayMs`; sessionPresent says whether the broker kept it. */
  onReconnected: (awayMs: number, sessionPresent: boolean) => void;
  log: (obj: Record<string, unknown>, msg: string) => void;
}

const END_GRACE_MS = 2000;

/**
 * One MQTT 5 connection of the gateway to the shared subscription, with a persistent session
 * (cleanStart 0 + session expiry): what the broker queued for it while it was away, or had not
 * seen acked, arrives after a reconnect. MQTT.js's fixed-period reconnect is off; reconnects wait
 * {@link fullJitterBackoffMs}. The shared subscription is renewed after every CONNACK, even with
 * a session present: Mosquitto 2.0.11 restores sessions from its persistence file but not their
 * shared subscriptions (measured, ADR 0006), and a repeated SUBSCRIBE only replaces the same one.
 */
export class GatewayConnection {
  readonly client: MqttClient;
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private lostAt = 0;
  private closing = false;
  private taking = true;
  private subscribed?: () => void;
  private lastError = 'no answer';

  constructor(private readonly o: GatewayConnectionOptions) {
    this.client = mqtt.connect(o.url, {
      clientId: o.clientId,
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: o.sessionExpirySec },
      keepalive: 30,
      connectTimeout: 5000,
      reconnectPeriod: 0,
      resubscribe: false,
    });
    // Attached before the first CONNACK: a resumed session delivers queued messages right after it.
    this.client.on('message', (topic, payload) =>
      o.onMessage({ topic, payload, receivedAt: Date.now() }),
    );
    this.client.on('connect', (connack) => this.onConnect(connack));
    this.client.on('close', () => this.onClose());
    // Every failure is followed by 'close', which schedules the reconnect; this only reports it.
    this.client.on('error', (err) => {
      this.lastError = (err as NodeJS.ErrnoException).code ?? err.message;
      o.log({ client: o.clientId, err: err.message }, 'mqtt error');
    });
  }

  private get filter(): string {
    return this.o.topicFilter ?? GATEWAY_SHARED_SUBSCRIPTION;
  }

  get connected(): boolean {
    return this.client.connected;
  }

  /**
   * Resolves on the first SUBACK; rejects after `timeoutMs` with the last error. Losses before
   * that are retried with the same backoff as later ones.
   */
  ready(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.subscribed = undefined;
        reject(new Error(`unreachable within ${timeoutMs / 1000} s (${this.lastError})`));
      }, timeoutMs);
      this.subscribed = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Stops taking messages: unsubscribes so the broker routes to other connections. */
  async stopTaking(): Promise<void> {
    this.taking = false;
    await this.client.unsubscribeAsync(this.filter).catch(() => undefined);
  }

  /**
   * Ends the connection and, with session expiry 0 in the DISCONNECT, the session: a planned
   * shutdown must not leave a session that keeps collecting its share of the shared subscription.
   */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.timer);
    if (this.client.connected) {
      await Promise.race([
        this.client
          .endAsync(false, { properties: { sessionExpiryInterval: 0 } })
          .catch(() => undefined),
        new Promise<void>((resolve) => setTimeout(resolve, END_GRACE_MS).unref()),
      ]);
    }
    this.client.end(true);
  }

  private onConnect(connack: IConnackPacket): void {
    this.attempt = 0;
    if (this.lostAt !== 0) {
      this.o.onReconnected(Date.now() - this.lostAt, connack.sessionPresent);
      this.lostAt = 0;
    }
    if (!this.taking) {
      return;
    }
    this.client.subscribe(this.filter, { qos: 1 }, (err) => {
      if (err) {
        // The connection is usually gone; the next CONNACK subscribes again.
        this.o.log({ client: this.o.clientId, err: err.message }, 'mqtt subscribe failed');
        return;
      }
      const subscribed = this.subscribed;
      this.subscribed = undefined;
      subscribed?.();
    });
  }

  private onClose(): void {
    if (this.closing || this.timer !== undefined) {
      return;
    }
    if (this.lostAt === 0) {
      this.lostAt = Date.now();
    }
    const delay = fullJitterBackoffMs(this.attempt, this.o.reconnect);
    this.attempt += 1;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closing) {
        return;
      }
      // Passing the stores keeps what awaits an ack; reconnect() would otherwise start empty ones.
      this.client.reconnect({
        incomingStore: this.client.incomingStore,
        outgoingStore: this.client.outgoingStore,
      });
    }, delay);
  }
}
