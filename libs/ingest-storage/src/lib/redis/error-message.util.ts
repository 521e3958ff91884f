/** Message of an unknown rejection: ioredis rejects with Error, but callers must not assume it. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Socket errors of a server that is gone or out of reach. One outage shows several of them,
 * depending on what the client was doing when it went: a connect is refused or times out, a read
 * sees a reset, a write into the closed socket a broken pipe.
 */
const UNREACHABLE_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
] as const;

/**
 * What ioredis and BullMQ say instead of a socket error when they have no connection to send a
 * command on: closed, not writable with the offline queue off, or given up after the retries.
 */
const NO_CONNECTION_MESSAGES = [
  /\bConnection is closed\b/,
  /\bStream isn't writeable\b/,
  /\bReached the max retries per request limit\b/,
];

/**
 * True when `err` (an Error, or the message a result carries as a string) says the connection to
 * Redis is gone or cannot be made: the server was stopped, crashed, restarted or is unreachable.
 * False for everything Redis answered (WRONGTYPE, NOAUTH, OOM, READONLY, ...) and for a command
 * timeout, which is a server that is there but stalled.
 */
export function isRedisUnreachable(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null ? Reflect.get(err, 'code') : undefined;
  if (typeof code === 'string' && (UNREACHABLE_CODES as readonly string[]).includes(code)) {
    return true;
  }
  const message = errorMessage(err);
  // Node's system errors carry the code in the message too ("write EPIPE", "connect ECONNREFUSED").
  return (
    UNREACHABLE_CODES.some((c) => new RegExp(`\\b${c}\\b`).test(message)) ||
    NO_CONNECTION_MESSAGES.some((re) => re.test(message))
  );
}
