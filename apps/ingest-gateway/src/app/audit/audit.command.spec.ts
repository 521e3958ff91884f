import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealAuditRecord, AUDIT_GENESIS } from '@sousvide/ingest-pipeline';
import { auditCommand } from './audit.command';

function logFile(records: number): string {
  const path = join(mkdtempSync(join(tmpdir(), 'audit-cmd-')), 'audit.jsonl');
  let head = AUDIT_GENESIS;
  const lines: string[] = [];
  for (let i = 0; i < records; i += 1) {
    const sealed = sealAuditRecord({ decision: 'sent', deviceId: `sv-${i}` }, head);
    lines.push(sealed.line);
    head = sealed.head;
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await auditCommand(
    args,
    (t) => (out += t),
    (t) => (err += t),
  );
  return { code, out, err };
}

describe('ingest-gateway audit verify', () => {
  it('says intact with the record count and head, exit 0', async () => {
    const r = await run('verify', logFile(3));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/intact, 3 records, head n=3 hash=[0-9a-f]{64}/);
  });

  it('names the changed line, exit 1', async () => {
    const path = logFile(4);
    writeFileSync(path, readFileSync(path, 'utf8').replace('"sv-2"', '"sv-X"'));
    const r = await run('verify', path);
    expect(r.code).toBe(1);
    expect(r.out).toContain('BROKEN at line 3: record n=3 was changed');
  });

  it('names the line after a removed one, exit 1', async () => {
    const path = logFile(4);
    const lines = readFileSync(path, 'utf8').split('\n');
    lines.splice(1, 1);
    writeFileSync(path, lines.join('\n'));
    const r = await run('verify', path);
    expect(r.code).toBe(1);
    expect(r.out).toContain('BROKEN at line 2: record n=3 follows n=1');
  });

  it('reports a cut-off last line', async () => {
    const path = logFile(2);
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, -5));
    const r = await run('verify', path);
    expect(r).toMatchObject({ code: 1, out: expect.stringContaining('BROKEN at line 2') });
  });

  it('exits 2 on a missing file or bad arguments, naming what was wrong', async () => {
    expect(await run('verify', '/nonexistent/audit.jsonl')).toMatchObject({
      code: 2,
      err: expect.stringContaining('cannot read /nonexistent/audit.jsonl: ENOENT'),
    });
    expect(await run('check', 'x')).toMatchObject({
      code: 2,
      err: expect.stringContaining('expected "audit verify <file>"'),
    });
  });
});
