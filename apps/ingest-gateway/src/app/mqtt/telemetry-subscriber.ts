import { MqttClient } from 'mqtt';
import { redactUrl } from '@sousvide/security';
import { GatewayConnection, GatewayConnectionOptions } from './gateway-connection';

/** Every connection's options, with ids `<clientIdPrefix>-<index>`. */
export type SubscriberOptions = Omit<GatewayConnectionOptions, 'clientId'> & {
  connections: number;
  clientIdPrefix: string;
};

const FIRST_CONNECT_MS = 5000;

/**
 * MQTT 5 shared-subscription consumers: the broker spreads telemetry over every connection of
 * every gateway instance. The handler only hands the message to the batcher, so the PUBACK goes
 * out at once and a slow store never stalls the connection. Each connection keeps a persistent
 * session under `<prefix>-<index>` and reconnects on its own (see {@link GatewayConnection}).
 */
export class TelemetrySubscriber {
  private readonly connections: GatewayConnection[] = [];

  constructor(private readonly o: SubscriberOptions) {}

  /** The first connect and subscription of every connection must succeed within 5 s. */
  async start(): Promise<void> {
    for (let i = 0; i < this.o.connections; i += 1) {
      const connection = new GatewayConnection({
        url: this.o.url,
        clientId: `${this.o.clientIdPrefix}-${i}`,
        sessionExpirySec: this.o.sessionExpirySec,
        ...(this.o.topicFilter ? { topicFilter: this.o.topicFilter } : {}),
        reconnect: this.o.reconnect,
        onMessage: this.o.onMessage,
        onReconnected: (awayMs, sessionPresent) => {
          this.o.log({ client: i, awayMs, sessionPresent }, 'mqtt reconnected');
          this.o.onReconnected(awayMs, sessionPresent);
        },
        log: this.o.log,
      });
      this.connections.push(connection);
      try {
        await connection.ready(FIRST_CONNECT_MS);
      } catch (err) {
        await this.close();
        throw new Error(
          `MQTT broker at ${redactUrl(this.o.url)} ${(err as Error).message}: check MQTT_URL`,
        );
      }
    }
  }

  get connected(): boolean {
    return this.connections.length > 0 && this.connections.every((c) => c.connected);
  }

  /** The connection used to publish control commands. */
  get publisher(): MqttClient | undefined {
    return this.connections[0]?.client;
  }

  /** Stops taking messages: unsubscribe first, so the broker routes to other instances. */
  async stopTaking(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.stopTaking()));
  }

  /** Closes every connection and ends its session (a planned stop leaves nothing queued). */
  async close(): Promise<void> {
    await Promise.all(this.connections.map((c) => c.close()));
    this.connections.length = 0;
  }
}
