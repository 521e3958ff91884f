import mqtt, { type MqttClient } from 'mqtt';
import type { ControlPublisher } from '@sousvide/ingest-pipeline';
import type { ServiceConnection } from '@sousvide/security';

/**
 * Fail-safe commands go out on a connection of their own, never on a telemetry consumer: a
 * consumer stops reading its socket when it is paused or its receive window is full, and then the
 * PUBACK of a command would not be read either (ADR 0013). A plain MQTT.js client with a clean
 * session and its own reconnects: it only publishes.
 */
export class MqttControlPublisher implements ControlPublisher {
  private client?: MqttClient;

  constructor(
    private readonly broker: ServiceConnection,
    private readonly clientId: string,
  ) {}

  /** Connects in the background; publishes fail at once until it is connected. */
  start(): void {
    const { url, username, password, tls } = this.broker;
    this.client = mqtt.connect(url, {
      // The gateway's identity and, for mqtts://, its CA (and client certificate).
      username,
      password,
      ...tls,
      clientId: this.clientId,
      protocolVersion: 5,
      clean: true,
      keepalive: 30,
      connectTimeout: 5000,
      reconnectPeriod: 1000,
    });
    // Failures surface as rejected publishes; the client reconnects on its own.
    this.client.on('error', () => undefined);
  }

  async publish(topic: string, payload: string): Promise<void> {
    if (!this.client?.connected) {
      throw new Error('no broker connection for control commands');
    }
    await this.client.publishAsync(topic, payload, { qos: 1 });
  }

  async close(): Promise<void> {
    await this.client?.endAsync(false).catch(() => undefined);
  }
}
