import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import type { IConnectPacket } from 'mqtt-packet';
import {
  type BackoffPolicy,
  brokerHostOf,
  brokerPortOf,
  brokerSchemeIsTls,
  brokerUrlProblem,
} from '@sousvide/shared-util';
import { redactUrl } from '@sousvide/security';
import type { Delivery } from './delivery';
import type { ConsumerEvent } from './consumer-event';
import { MqttConsumerError } from './mqtt-consumer.error';
import { topicFilterProblem } from './topic-filter';

/** What {@link MqttConsumer} is built with. Only `url`, `clientId`, `topicFilter` are required. */
export interface MqttConsumerOptions {
  /**
   * `mqtt://host[:port]` (also `tcp://`) or, over TLS, `mqtts://host[:port]` (also `ssl://`;
   * default port 8883); WebSocket is not supported. A user and password inside the URL are used
   * when `username` / `password` are not given, and never appear in messages.
   */
  url: string;
  /** Sent in CONNECT (the broker identity); a password needs one. */
  username?: string;
  /** Sent in CONNECT; never part of an error or event. */
  password?: string;
  /**
   * For `mqtts://`: options of `tls.connect` (`ca`, `cert`, `key`, ...). The server's certificate
   * is always verified against `ca` (default: Node's trusted roots) and the URL's host.
   */
  tls?: TlsConnectionOptions;
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
  /**
   * `consume` (default): subscribe after every CONNACK, reconnect after every loss. `drain`: take
   * over an existing session to empty it (a dead gateway's): never subscribe, UNSUBSCRIBE
   * `topicFilter` from a resumed session (its messages in flight and queued still arrive and can
   * be acked), `start()` resolves on the CONNACK, and a loss ends the consumer instead of
   * reconnecting (a second client under the same id must not be fought for the session).
   */
  mode?: 'consume' | 'drain';
}

type OptionalOption = 'maximumPacketSize' | 'onEvent' | 'username' | 'password' | 'tls';

export type ResolvedOptions = Required<Omit<MqttConsumerOptions, OptionalOption>> &
  Pick<MqttConsumerOptions, OptionalOption> & { host: string; port: number; secure: boolean };

export const CONSUMER_DEFAULTS = {
  sessionExpirySec: 300,
  receiveMaximum: 10_000,
  keepaliveSec: 30,
  connectTimeoutMs: 5000,
  firstConnectTimeoutMs: 5000,
  reconnect: { baseMs: 100, capMs: 5000 },
  mode: 'consume',
} as const;

/** What an MQTT broker URL says: where, whether over TLS, and the user info it carries. */
export interface BrokerUrl {
  host: string;
  port: number;
  secure: boolean;
  /** The URL without user info: what messages show. */
  url: string;
  username?: string;
  password?: string;
}

/**
 * A bad broker URL as a message may show it: its password masked (redactUrl). A URL holding an
 * `@` is shown only where the URL parser found its user info and no `@` is left after it: where
 * the parser took part of it for a scheme, port, path or fragment (`gw:pw@host` without `//`, a
 * password such as `2024/x`), masking would miss the password, so the URL is not shown at all.
 */
function shownBadUrl(url: string): string {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  const userInfoCut =
    parsed !== undefined &&
    (parsed.username !== '' || parsed.password !== '') &&
    !`${parsed.pathname}${parsed.search}${parsed.hash}`.includes('@');
  return !url.includes('@') || userInfoCut
    ? JSON.stringify(redactUrl(url))
    : '(not shown: it holds a user or password that cannot be cut out of it)';
}

/**
 * The parts of an `mqtt://` or `mqtts://` URL, or a BAD_URL error naming the URL (its password
 * masked) and saying what is wrong with it.
 */
export function parseBrokerUrl(url: string): BrokerUrl {
  // The check every broker URL gets; its answer never repeats the URL's user or password.
  const problem = brokerUrlProblem(url, { credentials: true });
  if (problem !== undefined) {
    throw new MqttConsumerError(
      'BAD_URL',
      `invalid MQTT broker URL ${shownBadUrl(url)}: it ${problem}`,
    );
  }
  const parsed = new URL(url);
  const username = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  const password = parsed.password ? decodeURIComponent(parsed.password) : undefined;
  parsed.username = '';
  parsed.password = '';
  const shown = username === undefined && password === undefined ? url : parsed.toString();
  return {
    host: brokerHostOf(parsed),
    port: brokerPortOf(parsed),
    secure: brokerSchemeIsTls(parsed.protocol) === true,
    url: shown,
    username,
    password,
  };
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
  const broker = parseBrokerUrl(o.url);
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
  const username = o.username ?? broker.username;
  const password = o.password ?? broker.password;
  if (password !== undefined && username === undefined) {
    throw new MqttConsumerError('BAD_OPTIONS', 'a password needs a username');
  }
  if (o.tls !== undefined && !broker.secure) {
    throw new MqttConsumerError('BAD_OPTIONS', `tls options given for a plain ${broker.url}`);
  }
  const r = {
    ...CONSUMER_DEFAULTS,
    ...o,
    url: broker.url,
    username,
    password,
    host: broker.host,
    port: broker.port,
    secure: broker.secure,
  };
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
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: Buffer.from(o.password, 'utf8') } : {}),
  };
}
