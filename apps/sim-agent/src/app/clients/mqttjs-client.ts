import mqtt, { MqttClient } from 'mqtt';
import { classifyError } from '@sousvide/loadtest-contracts';
import { DeviceClient, DeviceClientFactory, DeviceClientOptions } from './device-client';

/**
 * The MQTT.js model: one full `MqttClient` per device, as an application using the library would
 * run it. Automatic reconnect is off so a lost connection shows up as failures of its class
 * instead of being hidden by the library.
 */
export class MqttJsClient implements DeviceClient {
  private client?: MqttClient;
  private isConnected = false;
  private ended = false;

  constructor(private readonly options: DeviceClientOptions) {}

  get connected(): boolean {
    return this.isConnected;
  }

  connect(): Promise<void> {
    const o = this.options;
    return new Promise<void>((resolve, reject) => {
      const client = mqtt.connect({
        host: o.host,
        port: o.port,
        protocol: 'mqtt',
        protocolVersion: 4,
        clientId: o.clientId,
        clean: true,
        keepalive: o.keepaliveSec,
        connectTimeout: o.connectTimeoutMs,
        reconnectPeriod: 0,
        resubscribe: false,
      });
      this.client = client;
      let settled = false;
      let lastError: Error | undefined;
      client.on('connect', () => {
        settled = true;
        this.isConnected = true;
        resolve();
      });
      client.on('error', (err) => {
        lastError = err;
        if (!settled) {
          settled = true;
          client.end(true);
          reject(err);
        }
      });
      client.on('message', () => o.onControl());
      client.on('close', () => {
        if (!settled) {
          settled = true;
          reject(
            lastError ??
              Object.assign(new Error('connection closed before CONNACK'), { code: 'ECONNRESET' }),
          );
          return;
        }
        if (this.isConnected && !this.ended) {
          this.isConnected = false;
          const err = lastError ?? new Error('broker closed the connection (disconnect)');
          o.onDisconnect(classifyError(err), err);
        }
        this.isConnected = false;
      });
    });
  }

  async subscribeControl(): Promise<void> {
    await this.requireClient().subscribeAsync(this.options.controlTopic, { qos: 1 });
  }

  async publish(topic: string, payload: Buffer, qos: 0 | 1 | 2): Promise<void> {
    await this.requireClient().publishAsync(topic, payload, { qos });
  }

  async end(): Promise<void> {
    this.ended = true;
    this.isConnected = false;
    const client = this.client;
    if (!client) {
      return;
    }
    await Promise.race([
      client.endAsync(false).catch(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, 1000).unref()),
    ]);
    client.end(true);
  }

  private requireClient(): MqttClient {
    if (!this.client || !this.isConnected) {
      throw Object.assign(new Error('not connected (disconnect)'), { code: 'ECONNRESET' });
    }
    return this.client;
  }
}

export const createMqttJsClient: DeviceClientFactory = (options) => new MqttJsClient(options);
