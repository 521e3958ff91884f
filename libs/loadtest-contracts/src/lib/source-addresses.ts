/**
 * Connections per loopback source address. Node binds the local address before connect() (no
 * IP_BIND_ADDRESS_NO_PORT), so the kernel picks each port by bind()'s search over the ~28k
 * ephemeral ports of that address: kept to a small share of them, that search stays short.
 */
export const CONNECTIONS_PER_SOURCE_ADDRESS = 2000;

/** True for an IPv4 loopback literal (127.0.0.0/8: every address in it is local on Linux). */
export function isLoopbackIpv4(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** FNV-1a, 32 bit: a stable spread of salts over address blocks. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i += 1) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Source addresses per partition towards a broker on loopback, or undefined for any other broker
 * (other hosts' addresses cannot be assumed). Each attempt gets its own block of 127.a.b.c
 * (from `salt`, e.g. run id and attempt), so the thousands of ports an earlier run left in
 * TIME_WAIT sit on other addresses and cost the next run's connect() nothing; 127.0.0.0/16 (where
 * 127.0.0.1 lives) is never used. Each partition gets ceil(connections / 2000) addresses.
 */
export function sourceAddressesFor(
  brokerHost: string,
  partitionConnections: readonly number[],
  salt: string,
): string[][] | undefined {
  if (!isLoopbackIpv4(brokerHost)) {
    return undefined;
  }
  const h = hash32(salt);
  const a = 1 + (h % 254);
  let b = (h >>> 8) % 256;
  let c = 0;
  return partitionConnections.map((connections) =>
    Array.from(
      { length: Math.max(1, Math.ceil(connections / CONNECTIONS_PER_SOURCE_ADDRESS)) },
      () => {
        c += 1;
        if (c > 254) {
          c = 1;
          b = (b + 1) % 256;
        }
        return `127.${a}.${b}.${c}`;
      },
    ),
  );
}
