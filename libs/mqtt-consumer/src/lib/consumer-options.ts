import type { IConnectPacket } from 'mqtt-packet';
import type { BackoffPolicy } from '@sousvide/shared-util';
import type { Delivery } from './delivery';
import type { ConsumerEvent } from './consumer-event';
import { MqttConsumerError } from './mqtt-consumer.error';
import { topicFilterProblem } from './topic-filter';

/** What {@link MqttConsumer} is built with. Only `url`, `clientId`, `topicFilter` are required. */
export interface MqttConsumerOptions {
  /** `mqtt://host[:port]` (also `tcp://`); TLS and WebSocket are not supported. */
  url: string;
  /** Stable across restarts of the same consumer, so a reconnect resumes its session. */
  clientId: string;
  /** A plain filter or a shared one (`$share/<group>/<filter>`), subscribed at QoS 1. */
  topicFilter: string;
  /** Called once per socket read with every PUBLISH that read contained. */
  onDeliveries: (deliveries: Delivery[]) => void;
  /** Connection life cycle and failures; optional (the consumer never logs on its own). */
  onEvent?: (event: ConsumerEvent) => void;
  /** How long the broker keeps the session after a connection loss (s); default 300. */
  sessionExpirySec?: number;
  /**
   * MQTT 5 Receive Maximum: at most this many QoS 1 deliveries unacknowledged on a connection
   * (the broker holds the rest); default 10,000. It also bounds the rate: one connection carries
   * at most receiveMaximum / (time from delivery to ack) messages per second.
   */
  receiveMaximum?: number;
  /** Largest packet the broker may send us (bytes); larger messages are dropped by the broker. */
  maximumPacketSize?: number;
  /** Default 30; the broker's Server Keep Alive in CONNACK overrides it. */
  keepaliveSec?: number;
  /** Per attempt: no CONNACK within this many ms counts as a failed attempt; default 5000. */
  connectTimeoutMs?: number;
  /** `start()` gives up when the first subscription is not acknowledged by then; default 5000. */
  firstConnectTimeoutMs?: number;
  /** Reconnect delays (full jitter); default 100 ms doubling to 5 s, like the gateway's. */
  reconnect?: BackoffPolicy;
}

export type ResolvedOptions = Required<Omit<MqttConsumerOptions, 'maximumPacketSize' | 'onEvent'>> &
  Pick<MqttConsumerOptions, 'maximumPacketSize' | 'onEvent'> & { host: string; port: number };

export const CONSUMER_DEFAULTS = {
  sessionExpirySec: 300,
  receiveMaximum: 10_000,
  keepaliveSec: 30,
  connectTimeoutMs: 5000,
  firstConnectTimeoutMs: 5000,
  reconnect: { baseMs: 100, capMs: 5000 },
} as const;

const DEFAULT_PORT = 1883;

/** Host and port of an `mqtt://` URL, or a BAD_URL error saying what is wrong with it. */
export function parseBrokerUrl(url: string): { host: string; port: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new MqttConsumerError(
      'BAD_URL',
      `invalid MQTT broker URL "${url}": expected mqtt://host[:port]`,
    );
  }
  if (parsed.protocol !== 'mqtt:' && parsed.protocol !== 'tcp:') {
    throw new MqttConsumerError(
      'BAD_URL',
      `unsupported MQTT broker URL scheme "${parsed.protocol}" in "${url}": only mqtt:// (plain TCP)`,
    );
  }
  if (parsed.hostname === '') {
    throw new MqttConsumerError('BAD_URL', `MQTT broker URL "${url}" has no host`);
  }
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  if (port < 1) {
    throw new MqttConsumerError('BAD_URL', `MQTT broker URL "${url}" has port 0`);
  }
  // IPv6 literals come bracketed from URL; net.connect wants them bare.
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

function checkInt(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new MqttConsumerError(
      'BAD_OPTIONS',
      `${name} must be an integer in ${min}..${max}, got ${value}`,
    );
  }
  return value;
}

/** Defaults applied and every option checked, so a bad one fails at construction. */
export function resolveOptions(o: MqttConsumerOptions): ResolvedOptions {
  const { host, port } = parseBrokerUrl(o.url);
  if (o.clientId === '') {
    throw new MqttConsumerError('BAD_OPTIONS', 'clientId must not be empty');
  }
  const problem = topicFilterProblem(o.topicFilter);
  if (problem !== undefined) {
    throw new MqttConsumerError(
      'BAD_OPTIONS',
      `topicFilter "${o.topicFilter}" is invalid: ${problem}`,
    );
  }
  const r = { ...CONSUMER_DEFAULTS, ...o, host, port };
  checkInt('sessionExpirySec', r.sessionExpirySec, 0, 0xffffffff);
  checkInt('receiveMaximum', r.receiveMaximum, 1, 65535);
  checkInt('keepaliveSec', r.keepaliveSec, 0, 65535);
  checkInt('connectTimeoutMs', r.connectTimeoutMs, 1, 600_000);
  checkInt('firstConnectTimeoutMs', r.firstConnectTimeoutMs, 1, 3_600_000);
  if (r.maximumPacketSize !== undefined) {
    checkInt('maximumPacketSize', r.maximumPacketSize, 64, 268_435_460);
  }
  return r;
}

/** The CONNECT of every attempt: resume the session (clean start 0), our flow-control limits. */
export function connectPacket(o: ResolvedOptions): IConnectPacket {
  const properties: IConnectPacket['properties'] = {
    sessionExpiryInterval: o.sessionExpirySec,
    receiveMaximum: o.receiveMaximum,
  };
  if (o.maximumPacketSize !== undefined) {
    properties.maximumPacketSize = o.maximumPacketSize;
  }
  return {
    cmd: 'connect',
    protocolVersion: 5,
    clientId: o.clientId,
    clean: false,
    keepalive: o.keepaliveSec,
    properties,
  };
}
