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
