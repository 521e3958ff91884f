import { createHash } from 'node:crypto';
import { NO_RUN_ID, RUN_ID_SOURCE } from '@sousvide/loadtest-contracts';

/**
 * What identifies one telemetry message (ADR 0005): the device, its `seq` (absent for producers
 * that have none) and its `ts`. Every duplicate the gateway must absorb - a QoS 1 redelivery, a
 * device resending after a reconnect, a replay of a replay, a shared-subscription rebalance -
 * repeats the payload byte for byte, so all three match; a device that restarts its `seq` in a new
 * session (`seq` counts "from 0 within a device session", docs/architecture.md section 3) sends a
 * different `ts`, so a reused `seq` is never mistaken for a duplicate.
 */
export interface MessageIdentity {
  deviceId: string;
  seq?: number;
  ts: number;
}

/**
 * The identity as one string: `deviceId:seq:ts`, or `deviceId:-:ts` without a seq. It names DLQ
 * entries (their BullMQ job id derives from it), so an entry re-added after a spool or a timeout
 * stays one entry.
 */
export function idempotencyKey(m: MessageIdentity): string {
  return `${m.deviceId}:${m.seq ?? '-'}:${m.ts}`;
}

/** Key of a payload that cannot be parsed: its content hash, so a redelivery maps to one entry. */
export function rawKey(payload: Buffer): string {
  return `raw:${createHash('sha256').update(payload).digest('hex').slice(0, 32)}`;
}

const RUN_ID_IN_TEXT = new RegExp(`"runId"\\s*:\\s*"(${RUN_ID_SOURCE})"`);

/**
 * Best-effort run id of an unparsable payload, so a run's parse failures count against that run
 * (recv_total must match what the run published). Only a valid run id (the one rule) is taken.
 */
export function runIdOfRaw(payload: Buffer): string {
  if (payload.length === 0 || payload.length > 64 * 1024) {
    return NO_RUN_ID;
  }
  return RUN_ID_IN_TEXT.exec(payload.toString('latin1'))?.[1] ?? NO_RUN_ID;
}
