import { FailureClass } from '@sousvide/loadtest-contracts';
import type { TlsClientOptions } from '@sousvide/security';
import type { ConnectCredentials } from './lean-codec';

/** TLS options of one device's connection: the agent's files and the name to verify (SNI). */
export type DeviceTls = TlsClientOptions & { servername?: string };

/** What a client model needs to open one device's connection. */
export interface DeviceClientOptions {
  host: string;
  port: number;
  clientId: string;
  /** A device identity (secure broker): user name and password in CONNECT. Absent: anonymous. */
  credentials?: ConnectCredentials;
  /** An mqtts:// broker: `tls.connect` options (CA, client pair, servername). Absent: plain TCP. */
  tls?: DeviceTls;
  keepaliveSec: number;
  connectTimeoutMs: number;
  /** Topic the device subscribes to (QoS 1) for backend commands. */
  controlTopic: string;
  /** Topic every publish of this device goes to. */
  telemetryTopic: string;
  /**
   * Local address to connect from (a loopback alias such as 127.0.0.7): each source address has
   * its own ephemeral ports towards the broker, so TIME_WAIT left by an earlier run on one does not
   * slow connect() on another. Undefined: the kernel's choice.
   */
  localAddress?: string;
  /** Called once when an established connection is lost, with the failure class. */
  onDisconnect: (cls: FailureClass, err?: Error) => void;
  /** Called for each message received on the control topic. */
  onControl: () => void;
}

/**
 * Outcome of one publish, called once: `err` undefined when the broker acknowledged it (QoS 1/2) or
 * it was written (QoS 0). `token` is the caller's, so one function serves every message.
 */
export type PublishDone = (token: number, err?: Error) => void;

/** What `connect()` may do besides connecting. */
export interface ConnectOptions {
  /** Send the control topic's SUBSCRIBE with the CONNECT where the model can (see connect()). */
  subscribeControl?: boolean;
}

/**
 * One simulated device's MQTT connection. Both client models implement it, so the partition
 * runner drives them identically and a cross-check compares models, not runners.
 */
export interface DeviceClient {
  /**
   * Resolves on a successful CONNACK; rejects with an error `classifyError` understands.
   * May be called again after the connection was lost (a reconnect): same client id and
   * persistent session; publishes still awaiting their ack are sent again after the CONNACK, and
   * the control subscription is renewed when the broker lost the session.
   *
   * `subscribeControl: true` asks for the control subscription along with the connection: a client
   * may send its SUBSCRIBE right behind the CONNECT, without waiting for the CONNACK (MQTT 3.1.1,
   * 3.1.4; the lean model does, in the same write), and `subscribeControl()` then returns that
   * subscription instead of sending another.
   */
  connect(options?: ConnectOptions): Promise<void>;
  /** Subscribes to the control topic at QoS 1; resolves on SUBACK. */
  subscribeControl(): Promise<void>;
  /**
   * Publishes `payload` to the telemetry topic; `done` runs when the broker acknowledged it
   * (PUBACK for QoS 1, PUBCOMP for QoS 2) or, at QoS 0, when it was written. A lost connection
   * does not settle it (the message is resent after a reconnect); `end()` fails what is still
   * pending. Timeouts are the caller's job (one sweep per partition instead of a timer per
   * message). A callback, not a promise: two allocations fewer per message at 10k msg/s.
   */
  publish(payload: string, qos: 0 | 1 | 2, token: number, done: PublishDone): void;
  /** True between CONNACK and the connection's loss or end. */
  readonly connected: boolean;
  /** Sends DISCONNECT and closes; never rejects. */
  end(): Promise<void>;
}

export type DeviceClientFactory = (options: DeviceClientOptions) => DeviceClient;
