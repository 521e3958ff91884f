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
