import { DLQ_KINDS, type DlqEntry } from '@sousvide/loadtest-contracts';

/** What a previous replay attempt left on the job (job.updateData), for operators. */
export interface LastReplay {
  at: number;
  error: string;
  attempts: number;
}

/** Job data as stored: a DlqEntry, possibly with the outcome of earlier replays. */
export type StoredDlqEntry = DlqEntry & { lastReplay?: LastReplay };

export type ReadEntry =
  | { ok: true; entry: StoredDlqEntry; payload: Buffer }
  | { ok: false; reason: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Checks job data against the DlqEntry shape and decodes its payload. Buffer.from(s, 'base64')
 * silently skips invalid characters, so the text is checked strictly first: a mangled payload
 * must be reported `corrupt`, not re-parsed as a different (shorter) message.
 */
export function readDlqEntry(data: unknown): ReadEntry {
  if (typeof data !== 'object' || data === null) {
    return { ok: false, reason: 'job data is not an object' };
  }
  const d = data as Partial<Record<keyof DlqEntry, unknown>>;
  if (!DLQ_KINDS.some((k) => k === d.kind)) {
    return { ok: false, reason: `kind is ${JSON.stringify(d.kind)}` };
  }
  if (typeof d.key !== 'string' || d.key === '') {
    return { ok: false, reason: 'key is missing' };
  }
  if (typeof d.payloadBase64 !== 'string') {
    return { ok: false, reason: 'payloadBase64 is missing' };
  }
  if (!BASE64.test(d.payloadBase64)) {
    return { ok: false, reason: 'payloadBase64 is not base64' };
  }
  return {
    ok: true,
    entry: data as StoredDlqEntry,
    payload: Buffer.from(d.payloadBase64, 'base64'),
  };
}

/** Run id of job data for `--run-id` filtering, without trusting its shape. */
export function runIdOf(data: unknown): string | undefined {
  const runId = (data as { runId?: unknown } | null)?.runId;
  return typeof runId === 'string' ? runId : undefined;
}

/** Kind of job data for `--kind` filtering, without trusting its shape. */
export function kindOf(data: unknown): unknown {
  return (data as { kind?: unknown } | null)?.kind;
}
