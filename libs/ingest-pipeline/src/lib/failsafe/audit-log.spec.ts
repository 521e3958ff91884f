import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditLog } from './audit-chain';
import { AuditLog, type AuditFile } from './audit-log';

const quiet = (): void => undefined;
const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'audit-')), 'sub', 'audit.jsonl');
const lines = (path: string): string[] => readFileSync(path, 'utf8').trim().split('\n');

describe('AuditLog: hash-chained, fsync before acknowledgement', () => {
  it('chains concurrent appends in one group and continues the chain after a reopen', async () => {
    const path = fresh();
    const syncs: number[] = [];
    const a = await AuditLog.open(path, quiet, (f) => ({
      ...f,
      sync: () => f.sync().then(() => void syncs.push(Date.now())),
    }));
    await Promise.all([1, 2, 3].map((i) => a.append({ decision: 'sent', i })));
    await a.close();
    // The three appends of one turn were made durable by one fsync, not three.
    expect(syncs).toHaveLength(1);
    const b = await AuditLog.open(path, quiet);
    await b.append({ decision: 'suppressed', i: 4 });
    await b.close();
    const verdict = verifyAuditLog(readFileSync(path, 'utf8'));
    expect(verdict).toMatchObject({ ok: true, records: 4, head: { n: 4 } });
    expect(lines(path).map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([1, 2, 3, 4]);
  });

  it('acknowledges no record before its fsync', async () => {
    const path = fresh();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const log = await AuditLog.open(path, quiet, (f) => ({
      ...f,
      sync: () => held.then(() => f.sync()),
    }));
    let acked = false;
    const append = log.append({ decision: 'sent' }).then(() => (acked = true));
    await new Promise((r) => setImmediate(r));
    expect(acked).toBe(false);
    release();
    await append;
    expect(acked).toBe(true);
    await log.close();
  });

  it('rejects only the group whose write failed; later appends and the shutdown go on', async () => {
    const path = fresh();
    let failNext = false;
    const log = await AuditLog.open(
      path,
      quiet,
      (f): AuditFile => ({
        ...f,
        append: async (data) => {
          if (failNext) {
            failNext = false;
            // Half the group reaches the file before the disk refuses the rest.
            await f.append(data.subarray(0, data.length >> 1));
            throw new Error('ENOSPC: no space left on device');
          }
          await f.append(data);
        },
      }),
    );
    await log.append({ decision: 'sent', i: 1 });
    failNext = true;
    await expect(log.append({ decision: 'sent', i: 2 })).rejects.toThrow('ENOSPC');
    await log.append({ decision: 'sent', i: 3 });
    await log.close();
    expect(verifyAuditLog(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, records: 2 });
    expect(lines(path).map((l) => (JSON.parse(l) as { i: number }).i)).toEqual([1, 3]);
  });

  it('cuts off a last line whose write never completed, and chains on from the record before', async () => {
    const path = fresh();
    const a = await AuditLog.open(path, quiet);
    await a.append({ decision: 'sent', i: 1 });
    await a.close();
    appendFileSync(path, '{"n":2,"prev":"abc","decision":"se');
    const warnings: string[] = [];
    const b = await AuditLog.open(path, (_o, msg) => warnings.push(msg));
    await b.append({ decision: 'sent', i: 2 });
    await b.close();
    expect(warnings).toEqual([expect.stringContaining('never completed')]);
    expect(verifyAuditLog(readFileSync(path, 'utf8'))).toMatchObject({ ok: true, records: 2 });
  });

  it('refuses appends after close', async () => {
    const log = await AuditLog.open(fresh(), quiet);
    await log.close();
    await expect(log.append({})).rejects.toThrow('closed');
  });
});

describe('verifyAuditLog: names the line that breaks the chain', () => {
  async function logOf(n: number, tempC = 99): Promise<{ path: string; text: () => string }> {
    const path = fresh();
    const log = await AuditLog.open(path, quiet);
    for (let i = 1; i <= n; i += 1) {
      await log.append({ decision: 'suppressed', deviceId: `sv-${i}`, tempC });
    }
    await log.close();
    return { path, text: () => readFileSync(path, 'utf8') };
  }
  const rewrite = (path: string, edit: (ls: string[]) => string[]): void =>
    writeFileSync(path, `${edit(lines(path)).join('\n')}\n`);

  it('finds a changed value in a line', async () => {
    const { path, text } = await logOf(5);
    rewrite(path, (ls) => ls.map((l, i) => (i === 2 ? l.replace('"tempC":99', '"tempC":90') : l)));
    expect(verifyAuditLog(text())).toEqual({
      ok: false,
      line: 3,
      problem: expect.stringContaining('record n=3 was changed'),
    });
  });

  it('finds a removed line in the middle and at the start', async () => {
    const { path, text } = await logOf(5);
    rewrite(path, (ls) => ls.filter((_, i) => i !== 3));
    expect(verifyAuditLog(text())).toEqual({
      ok: false,
      line: 4,
      problem: 'record n=5 follows n=3: 1 record(s) before it were removed',
    });
    rewrite(path, (ls) => ls.slice(1));
    expect(verifyAuditLog(text())).toMatchObject({ ok: false, line: 1 });
  });

  it('finds a line replaced by a record sealed anew (its successor no longer chains to it)', async () => {
    const { path, text } = await logOf(4);
    const forged = await logOf(4, 120);
    // Line 2 of another, valid log: sealed correctly on its own, but not this chain's.
    rewrite(path, (ls) => ls.map((l, i) => (i === 1 ? (lines(forged.path)[1] ?? '') : l)));
    expect(verifyAuditLog(text())).toMatchObject({ ok: false, line: 2 });
  });

  it('finds a reordering and a cut-off last line', async () => {
    const { path, text } = await logOf(3);
    rewrite(path, (ls) => [ls[0] ?? '', ls[2] ?? '', ls[1] ?? '']);
    expect(verifyAuditLog(text())).toMatchObject({ ok: false, line: 2 });
    writeFileSync(path, text().slice(0, -10));
    expect(verifyAuditLog(text())).toMatchObject({
      ok: false,
      problem: expect.stringContaining('incomplete'),
    });
  });

  it('accepts an intact log and an empty one', async () => {
    const { text } = await logOf(3);
    expect(verifyAuditLog(text())).toMatchObject({ ok: true, records: 3 });
    expect(verifyAuditLog('')).toMatchObject({ ok: true, records: 0 });
  });
});
