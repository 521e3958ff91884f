import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { AuditVerifier, INCOMPLETE } from '@sousvide/ingest-pipeline';

export const AUDIT_USAGE = `Usage: ingest-gateway audit verify <file>

Checks a fail-safe audit log's hash chain: every line a sealed record, numbered from 1, chained to
the line before. Names the first line that was changed, removed, reordered or cut short.
Exit codes: 0 intact (prints the record count and the head, to compare with the "audit log
closed" line the gateway logged), 1 broken, 2 bad arguments or an unreadable file.
`;

type Out = (text: string) => void;

/** `audit verify <file>`: the exit code, with the verdict on `out` and errors on `err`. */
export async function auditCommand(args: string[], out: Out, err: Out): Promise<number> {
  if (args[0] === '--help' || args[0] === 'help') {
    out(AUDIT_USAGE);
    return 0;
  }
  if (args[0] !== 'verify' || args.length !== 2 || !args[1]) {
    err(
      `ingest-gateway audit: expected "audit verify <file>", got "audit ${args.join(' ')}"\n${AUDIT_USAGE}`,
    );
    return 2;
  }
  const file = args[1];
  try {
    const problem = await verifyFile(file);
    if (problem.broken) {
      out(`audit log ${file}: BROKEN at line ${problem.line}: ${problem.problem}\n`);
      return 1;
    }
    out(
      `audit log ${file}: intact, ${problem.records} records, head n=${problem.head.n} hash=${problem.head.hash}\n`,
    );
    return 0;
  } catch (e) {
    err(`ingest-gateway audit: cannot read ${file}: ${(e as Error).message}\n`);
    return 2;
  }
}

type FileVerdict =
  | { broken: true; line: number; problem: string }
  | { broken: false; records: number; head: { n: number; hash: string } };

async function verifyFile(file: string): Promise<FileVerdict> {
  const endsWithNewline = await lastByteIsNewline(file);
  const verifier = new AuditVerifier();
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line += 1;
    const problem = verifier.next(text);
    if (problem) {
      lines.close();
      return { broken: true, line, problem };
    }
  }
  if (!endsWithNewline) {
    return { broken: true, line, problem: INCOMPLETE };
  }
  return { broken: false, ...verifier.verdictSoFar };
}

/** True for an empty file too (nothing cut short). */
async function lastByteIsNewline(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) {
      return true;
    }
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } finally {
    await handle.close();
  }
}
