import mqtt, { MqttClient } from 'mqtt';
import { classifyError, connackRejectedError } from '@sousvide/loadtest-contracts';
import {
  DeviceClient,
  DeviceClientFactory,
  DeviceClientOptions,
  PublishDone,
} from './device-client';

const notConnected = (): Error =>
  Object.assign(new Error('not connected (disconnect)'), { code: 'ECONNRESET' });

/** MQTT.js reports a refused CONNACK as "Connection refused: ..." with the return code as `code`. */
function asConnackRefusal(err: Error): Error | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' && err.message.startsWith('Connection refused')
    ? connackRejectedError(code)
    : undefined;
}

type Settle = { resolve: () => void; reject: (err: Error) => void };

/**
 * The MQTT.js model: one full `MqttClient` per device, as an application using the library would
 * run it, with a persistent session (clean: false) and the library's outgoing store. The library's
 * own reconnect (a fixed period, no jitter) is off: the partition runner schedules reconnects with
 * backoff and jitter, and each `connect()` after a loss reuses this client, so MQTT.js resends the
 * QoS 1/2 publishes still in its store and resubscribes when the broker lost the session.
 */
export class MqttJsClient implements DeviceClient {
  private client?: MqttClient;
  private isConnected = false;
  private ended = false;
  /** The `connect()` waiting for its CONNACK, if any. */
  private opening?: Settle;
  private lastError?: Error;

  constructor(private readonly options: DeviceClientOptions) {}

  get connected(): boolean {
    return this.isConnected;
  }

  connect(): Promise<void> {
    if (this.ended) {
      return Promise.reject(new Error('connect() after end()'));
    }
    if (this.opening || this.isConnected) {
      return Promise.reject(new Error('connect() while a connection is open or opening'));
    }
    return new Promise<void>((resolve, reject) => {
      this.opening = { resolve, reject };
      this.lastError = undefined;
      const client = this.client;
      if (client === undefined) {
        this.client = this.open();
        return;
      }
      // reconnect() without stores would replace them with empty ones and drop what awaits an ack.
      client.reconnect({
        incomingStore: client.incomingStore,
        outgoingStore: client.outgoingStore,
      });
    });
  }

  private open(): MqttClient {
    const o = this.options;
    const client = mqtt.connect({
      host: o.host,
      port: o.port,
      protocol: o.tls ? 'mqtts' : 'mqtt',
      ...o.tls,
      protocolVersion: 4,
      clientId: o.clientId,
      ...o.credentials,
      clean: false,
      keepalive: o.keepaliveSec,
      connectTimeout: o.connectTimeoutMs,
      reconnectPeriod: 0,
      resubscribe: true,
    });
    client.on('connect', () => {
      this.isConnected = true;
      const opening = this.opening;
      this.opening = undefined;
      opening?.resolve();
    });
    // Every failure is followed by 'close' (MQTT.js cleans up first), which settles or reports it.
    client.on('error', (err) => {
      this.lastError = asConnackRefusal(err) ?? err;
    });
    client.on('message', () => o.onControl());
    client.on('close', () => {
      const opening = this.opening;
      this.opening = undefined;
      const wasConnected = this.isConnected;
      this.isConnected = false;
      if (opening) {
        opening.reject(
          this.lastError ??
            Object.assign(new Error('connection closed before CONNACK'), { code: 'ECONNRESET' }),
        );
      } else if (wasConnected && !this.ended) {
        const err = this.lastError ?? new Error('broker closed the connection (disconnect)');
        o.onDisconnect(classifyError(err), err);
      }
    });
    return client;
  }

  async subscribeControl(): Promise<void> {
    await this.requireClient().subscribeAsync(this.options.controlTopic, { qos: 1 });
  }

  publish(payload: string, qos: 0 | 1 | 2, token: number, done: PublishDone): void {
    if (!this.client || !this.isConnected) {
      done(token, notConnected());
      return;
    }
    this.client.publish(this.options.telemetryTopic, payload, { qos }, (err) =>
      done(token, err ?? undefined),
    );
  }

  async end(): Promise<void> {
    this.ended = true;
    const wasConnected = this.isConnected;
    this.isConnected = false;
    const client = this.client;
    if (!client) {
      return;
    }
    // A client between reconnects has no one to say DISCONNECT to.
    if (!wasConnected) {
      client.end(true);
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
      throw notConnected();
    }
    return this.client;
  }
}

export const createMqttJsClient: DeviceClientFactory = (options) => new MqttJsClient(options);
