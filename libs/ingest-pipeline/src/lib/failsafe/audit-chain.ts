import { createHash } from 'node:crypto';

/** Where a chain stands: the last record's number and hash. */
export interface AuditHead {
  n: number;
  hash: string;
}

/** The `prev` of the first record of a log. */
export const AUDIT_GENESIS: AuditHead = { n: 0, hash: '0'.repeat(64) };

/** What `audit verify` found: an intact chain and its head, or the first line that breaks it. */
export type AuditVerdict =
  | { ok: true; records: number; head: AuditHead }
  | { ok: false; line: number; problem: string };

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * One audit line: the body numbered `n` and chained to the previous record by `prev` (its hash),
 * then sealed by `hash`, the SHA-256 of the record's JSON without `hash`. Changing a record breaks
 * its own hash; removing one breaks the next record's `prev` and numbering.
 */
export function sealAuditRecord(
  body: Record<string, unknown>,
  prev: AuditHead,
): { line: string; head: AuditHead } {
  const record = { n: prev.n + 1, prev: prev.hash, ...body };
  const hash = sha256(JSON.stringify(record));
  return { line: JSON.stringify({ ...record, hash }), head: { n: record.n, hash } };
}

/** The head a log ends in, from its last line; undefined when that line is not a sealed record. */
export function auditHeadOf(line: string): AuditHead | undefined {
  try {
    const r = JSON.parse(line) as { n?: unknown; hash?: unknown };
    return typeof r.n === 'number' && typeof r.hash === 'string'
      ? { n: r.n, hash: r.hash }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a log line by line (so a large log streams through): every line a sealed record, written
 * as sealed, numbered one after the other from 1 and chained to the line before.
 */
export class AuditVerifier {
  private head = AUDIT_GENESIS;
  private lines = 0;

  /** The problem with the next line, or undefined while the chain holds. */
  next(line: string): string | undefined {
    this.lines += 1;
    const problem = checkLine(line, this.head, this.lines - 1);
    this.head = problem ? this.head : (auditHeadOf(line) ?? this.head);
    return problem;
  }

  get verdictSoFar(): { records: number; head: AuditHead } {
    return { records: this.lines, head: this.head };
  }
}

/**
 * Checks a whole log and names the first line that breaks the chain, and how. Removing the last
 * lines leaves a shorter valid chain: compare the head with the one the gateway logged at
 * shutdown (`audit log closed`) to see that.
 */
export function verifyAuditLog(text: string): AuditVerdict {
  if (text === '') {
    return { ok: true, records: 0, head: AUDIT_GENESIS };
  }
  const lines = text.split('\n');
  if (lines.pop() !== '') {
    return { ok: false, line: lines.length + 1, problem: INCOMPLETE };
  }
  const verifier = new AuditVerifier();
  for (let i = 0; i < lines.length; i += 1) {
    const problem = verifier.next(lines[i] ?? '');
    if (problem) {
      return { ok: false, line: i + 1, problem };
    }
  }
  return { ok: true, ...verifier.verdictSoFar };
}

/** Said of a log whose last line has no line end (a write cut short, or a cut file). */
export const INCOMPLETE = 'incomplete: the last line has no line end';

function checkLine(line: string, prev: AuditHead, prevLine: number): string | undefined {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return 'not a JSON record';
  }
  const { hash, ...record } = parsed;
  if (typeof hash !== 'string' || typeof record['n'] !== 'number') {
    return 'not a sealed audit record (no n or hash)';
  }
  if (sha256(JSON.stringify(record)) !== hash || JSON.stringify({ ...record, hash }) !== line) {
    return `record n=${record['n']} was changed: its content does not match its hash`;
  }
  const n = record['n'];
  if (n !== prev.n + 1) {
    return n > prev.n + 1
      ? `record n=${n} follows n=${prev.n}: ${n - prev.n - 1} record(s) before it were removed`
      : `record n=${n} follows n=${prev.n}: numbering goes back (lines reordered or copied)`;
  }
  if (record['prev'] !== prev.hash) {
    return `record n=${n} does not chain to line ${prevLine}: one of the two was replaced`;
  }
  return undefined;
}
