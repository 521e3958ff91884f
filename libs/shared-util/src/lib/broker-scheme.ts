import { isIP } from 'node:net';

/** Broker URL schemes and whether each is TLS: one table for every client of an MQTT broker. */
export const BROKER_SCHEMES: Readonly<Record<string, boolean>> = {
  'mqtt:': false,
  'tcp:': false,
  'mqtts:': true,
  'ssl:': true,
};

/** MQTT's registered ports: plain and over TLS. */
export const MQTT_PLAIN_PORT = 1883;
export const MQTT_TLS_PORT = 8883;

/** The schemes as a pattern's alternatives, e.g. for a URL regex: `mqtt|tcp|mqtts|ssl`. */
export const BROKER_SCHEME_NAMES: readonly string[] = Object.keys(BROKER_SCHEMES).map((p) =>
  p.slice(0, -1),
);

/** Whether a URL protocol (`mqtts:`) is TLS; undefined when it is no broker scheme. */
export function brokerSchemeIsTls(protocol: string): boolean | undefined {
  return Object.hasOwn(BROKER_SCHEMES, protocol) ? BROKER_SCHEMES[protocol] : undefined;
}

/** A broker URL's port: its own, else 8883 for a TLS scheme and 1883 for a plain one. */
export function brokerPortOf(url: URL): number {
  if (url.port !== '') {
    return Number(url.port);
  }
  return brokerSchemeIsTls(url.protocol) ? MQTT_TLS_PORT : MQTT_PLAIN_PORT;
}

/**
 * A broker URL's host as sockets take it: an IPv6 address without the brackets URL keeps around
 * it (`mqtt://[::1]` has the hostname `[::1]`; net.connect and tls.connect want `::1`).
 */
export function brokerHostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

const BROKER_URL_SHAPE =
  'must look like mqtt://host[:port] or mqtts://host[:port] (an IPv6 host in brackets: mqtt://[::1]:1883)';
// scheme://authority, then what follows the authority (path, query, fragment).
const URL_PARTS = /^([^:/?#]*):\/\/([^/?#]*)(.*)$/s;
// host[:port], where an IPv6 host is bracketed and the port is digits.
const HOST_PORT = /^(\[[^\]]*\]|[^:[\]]*)(?::(\d*))?$/;
const PORT_MAX = 65_535;

/**
 * What is wrong with a broker URL, or undefined when it is one every broker client here reads: a
 * broker scheme (mqtt, tcp, mqtts, ssl), a host (an IPv6 address in brackets), a port in
 * 1..65535 if any, and at most a `/` after it. A user and password before the host only with
 * `credentials` (a service's own login; a run's devices log in as themselves). The answer never
 * repeats the user or password, so it can go in any message.
 */
export function brokerUrlProblem(
  text: string,
  { credentials }: { credentials: boolean },
): string | undefined {
  const parts = URL_PARTS.exec(text);
  if (!parts) {
    return BROKER_URL_SHAPE;
  }
  const [, scheme, authority, rest] = parts;
  if (brokerSchemeIsTls(`${scheme.toLowerCase()}:`) === undefined) {
    return `must use ${BROKER_SCHEME_NAMES.map((s) => `${s}://`).join(', ')}`;
  }
  if (rest !== '' && rest !== '/') {
    return 'must end after the host and port: no path, query or fragment';
  }
  const at = authority.lastIndexOf('@');
  if (at >= 0 && !credentials) {
    return 'must hold no user or password';
  }
  const hostPort = HOST_PORT.exec(authority.slice(at + 1));
  if (!hostPort) {
    return BROKER_URL_SHAPE;
  }
  const [, host, port] = hostPort;
  if (host === '') {
    return 'has no host';
  }
  if (host.startsWith('[') && isIP(host.slice(1, -1)) !== 6) {
    return `has the host ${host}, which is no IPv6 address`;
  }
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= PORT_MAX)) {
    return port === ''
      ? `has no port after ":" (a port is 1..${PORT_MAX})`
      : `has port ${port}, outside 1..${PORT_MAX}`;
  }
  // What is left for URL to refuse is the host: a blank, `<`, `^` and the like.
  return URL.canParse(text) ? undefined : `has the host "${host}", which is not valid`;
}
