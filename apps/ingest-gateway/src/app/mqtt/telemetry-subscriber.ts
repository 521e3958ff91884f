import mqtt, { MqttClient } from 'mqtt';
import { GATEWAY_SHARED_SUBSCRIPTION } from '@sousvide/telemetry-schema';
import { RawMessage } from '../pipeline/raw-message';

export interface SubscriberOptions {
  url: string;
  connections: number;
  clientIdPrefix: string;
  onMessage: (m: RawMessage) => void;
  log: (obj: Record<string, unknown>, msg: string) => void;
}

/**
 * MQTT 5 shared-subscription consumers: the broker spreads telemetry over every connection of
 * every gateway instance. The handler only hands the message to the batcher, so the PUBACK goes
 * out at once and a slow store never stalls the connection.
 */
export class TelemetrySubscriber {
  private readonly clients: MqttClient[] = [];

  constructor(private readonly o: SubscriberOptions) {}

  async start(): Promise<void> {
    for (let i = 0; i < this.o.connections; i += 1) {
      const client = mqtt.connect(this.o.url, {
        clientId: `${this.o.clientIdPrefix}-${i}`,
        protocolVersion: 5,
        clean: true,
        keepalive: 30,
        connectTimeout: 5000,
        reconnectPeriod: 1000,
      });
      await this.firstConnect(client);
      client.on('message', (topic, payload) =>
        this.o.onMessage({ topic, payload, receivedAt: Date.now() }),
      );
      client.on('error', (err) => this.o.log({ client: i, err: err.message }, 'mqtt error'));
      client.on('reconnect', () => this.o.log({ client: i }, 'mqtt reconnecting'));
      await client.subscribeAsync(GATEWAY_SHARED_SUBSCRIPTION, { qos: 1 });
      this.clients.push(client);
    }
  }

  /** The first connect must succeed within 5 s; later losses reconnect every second. */
  private firstConnect(client: MqttClient): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let lastError = 'no answer';
      const timer = setTimeout(() => {
        client.end(true);
        reject(
          new Error(
            `MQTT broker at ${this.o.url} unreachable within 5 s (${lastError}): check MQTT_URL`,
          ),
        );
      }, 5000);
      client.on('error', (err) => {
        lastError = (err as NodeJS.ErrnoException).code ?? err.message;
      });
      client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  get connected(): boolean {
    return this.clients.length > 0 && this.clients.every((c) => c.connected);
  }

  /** The connection used to publish control commands. */
  get publisher(): MqttClient | undefined {
    return this.clients[0];
  }

  /** Stops taking messages: unsubscribe first, so the broker routes to other instances. */
  async stopTaking(): Promise<void> {
    await Promise.all(
      this.clients.map((c) =>
        c.unsubscribeAsync(GATEWAY_SHARED_SUBSCRIPTION).catch(() => undefined),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync().catch(() => undefined)));
    this.clients.length = 0;
  }
}
