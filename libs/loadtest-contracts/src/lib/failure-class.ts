import { addCounts, zeroCounts, type Counts } from '@sousvide/shared-util';

/**
 * Failure signatures, counted by class. The runbook's JVM signatures translated to Node:
 * "Too many open files" -> emfile, "Cannot assign requested address" -> eaddrnotavail.
 */
export const FAILURE_CLASSES = [
  'emfile',
  'eaddrnotavail',
  'connect_refused',
  'connect_timeout',
  'connack_rejected',
  'keepalive_timeout',
  'publish_timeout',
  'broker_disconnect',
  /** A send fell due while its device was reconnecting: never sent, not queued (ADR 0006). */
  'not_connected',
  'other',
] as const;
export type FailureClass = (typeof FAILURE_CLASSES)[number];

export type FailureCounts = Counts<FailureClass>;

export function emptyFailureCounts(): FailureCounts {
  return zeroCounts(FAILURE_CLASSES);
}

export function addFailureCounts(into: FailureCounts, from: Partial<FailureCounts>): FailureCounts {
  return addCounts(FAILURE_CLASSES, into, from);
}

export function totalFailures(counts: Partial<FailureCounts>): number {
  return FAILURE_CLASSES.reduce((sum, c) => sum + (counts[c] ?? 0), 0);
}

/** MQTT 3.1.1 CONNACK return codes (3.2.2.3), with what to check when a device gets one. */
const CONNACK_REFUSALS: Record<number, { meaning: string; fix: string }> = {
  1: { meaning: 'unacceptable protocol version', fix: 'the broker does not speak MQTT 3.1.1' },
  2: {
    meaning: 'identifier rejected',
    fix: 'the broker refuses this client id (with FLEET_SECRET the client id is the device id)',
  },
  3: { meaning: 'server unavailable', fix: 'the broker is not accepting connections' },
  4: {
    meaning: 'bad user name or password',
    fix: 'check the fleet secret (FLEET_SECRET / FLEET_SECRET_FILE) and the provisioning',
  },
  5: {
    meaning: 'not authorized',
    fix: 'check the fleet secret (FLEET_SECRET / FLEET_SECRET_FILE) and that the device is provisioned; an anonymous agent needs a broker that allows anonymous clients',
  },
};

/** Error code of a refused CONNACK; the message says which return code and what to check. */
export const CONNACK_REJECTED = 'CONNACK_REJECTED';

/**
 * The error a client model fails `connect()` with when the broker answers CONNACK with a non-zero
 * return code, e.g. "connack rejected: not authorized (5): check the fleet secret ...".
 */
export function connackRejectedError(returnCode: number): Error & {
  code: typeof CONNACK_REJECTED;
  returnCode: number;
} {
  const known = CONNACK_REFUSALS[returnCode];
  const what = known
    ? `${known.meaning} (${returnCode}): ${known.fix}`
    : `return code ${returnCode}`;
  return Object.assign(new Error(`connack rejected: ${what}`), {
    code: CONNACK_REJECTED as typeof CONNACK_REJECTED,
    returnCode,
  });
}

/**
 * CONNACK return codes the same CONNECT gets again: a protocol, client id or login the broker
 * refuses. 3 (server unavailable) is not one of them: the broker may take the device later.
 */
const PERMANENT_CONNACK_REFUSALS: ReadonlySet<number> = new Set([1, 2, 4, 5]);

/**
 * Whether a failed connect is a refusal that retrying cannot change (bad protocol, identifier,
 * user name or password, not authorized). Reads the return code of `connackRejectedError` or of
 * MQTT.js's own "Connection refused: ..." error (its `code`); anything else, including a refusal
 * whose code is unknown, may pass on a retry.
 */
export function isPermanentRefusal(err: unknown): boolean {
  const e = err as { code?: unknown; returnCode?: unknown } | undefined;
  const rc = typeof e?.returnCode === 'number' ? e.returnCode : e?.code;
  return typeof rc === 'number' && PERMANENT_CONNACK_REFUSALS.has(rc);
}

/** Maps a socket or client error to its failure class by its errno code and message. */
export function classifyError(err: unknown): FailureClass {
  const e = err as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message.toLowerCase() : '';
  switch (code) {
    case 'EMFILE':
    case 'ENFILE':
      return 'emfile';
    case 'EADDRNOTAVAIL':
    case 'EADDRINUSE':
      return 'eaddrnotavail';
    case 'ECONNREFUSED':
      return 'connect_refused';
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
      return 'connect_timeout';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'broker_disconnect';
    case CONNACK_REJECTED:
      return 'connack_rejected';
  }
  if (message.includes('keepalive')) {
    return 'keepalive_timeout';
  }
  if (message.includes('connack timeout')) {
    return 'connect_timeout';
  }
  if (message.includes('connack') || message.includes('connection refused:')) {
    return 'connack_rejected';
  }
  if (message.includes('timeout') || message.includes('timed out')) {
    return 'connect_timeout';
  }
  if (message.includes('disconnect') || message.includes('closed') || message.includes('close')) {
    return 'broker_disconnect';
  }
  return 'other';
}
