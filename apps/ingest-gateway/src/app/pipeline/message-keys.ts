import { createHash } from 'node:crypto';
import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import { TelemetryV1 } from '@sousvide/telemetry-schema';

/** Idempotency key (DESIGN.md section 3): deviceId + seq, or deviceId + ts without a seq. */
export function idempotencyKey(m: Pick<TelemetryV1, 'deviceId' | 'seq' | 'ts'>): string {
  return m.seq === undefined ? `${m.deviceId}:ts:${m.ts}` : `${m.deviceId}:${m.seq}`;
}

/** Key of a payload that cannot be parsed: its content hash, so a redelivery maps to one entry. */
export function rawKey(payload: Buffer): string {
  return `raw:${createHash('sha256').update(payload).digest('hex').slice(0, 32)}`;
}

const RUN_ID_IN_TEXT = /"runId"\s*:\s*"([A-Za-z0-9._-]{1,128})"/;

/**
 * Best-effort run id of an unparsable payload, so a run's parse failures count against that run
 * (recv_total must match what the run published).
 */
export function runIdOfRaw(payload: Buffer): string {
  if (payload.length === 0 || payload.length > 64 * 1024) {
    return NO_RUN_ID;
  }
  return RUN_ID_IN_TEXT.exec(payload.toString('latin1'))?.[1] ?? NO_RUN_ID;
}
