import * as fsp from 'node:fs/promises';
import { appendFile, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DlqEntry } from '@sousvide/loadtest-contracts';
import { DurableSpool } from './durable-spool';
import type { SpoolStats } from './durable-spool.options';
import type { SpoolFs } from './spool-fs';
import { countingFs, segmentFiles, spoolEntries, tempSpoolDir } from './spool-fixtures.testing';
import { SpoolFullError } from './spool-full.error';

const quiet = { warn: jest.fn() };

/** Drains everything into memory and returns it in delivery order. */
async function drainAll(spool: DurableSpool): Promise<DlqEntry[]> {
  const out: DlqEntry[] = [];
  await spool.drainTo((entries) => {
    out.push(...entries);
    return Promise.resolve({ failed: [] });
  });
  return out;
}

describe('DurableSpool append and recovery', () => {
  let dir: string;
  let spool: DurableSpool | undefined;

  beforeEach(async () => {
    dir = await tempSpoolDir();
  });

  afterEach(async () => {
    await spool?.close();
    spool = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('recovers every appended entry after a reopen, in order', async () => {
    spool = await DurableSpool.open({ dir, logger: quiet });
    await spool.append(spoolEntries(3));
    await spool.append(spoolEntries(2, 3));
    await spool.close();

    spool = await DurableSpool.open({ dir, logger: quiet });

    expect(spool.stats()).toMatchObject({ entries: 5, segments: 1 });
    expect(await drainAll(spool)).toEqual(spoolEntries(5));
  });

  it('ignores a torn trailing line left by a crash mid-write', async () => {
    spool = await DurableSpool.open({ dir, logger: quiet });
    await spool.append(spoolEntries(2));
    await spool.close();
    const [file] = await segmentFiles(dir);
    const path = join(dir, file as string);
    const intact = await readFile(path);
    await appendFile(path, '{"kind":"redis","key":"sv-9');

    spool = await DurableSpool.open({ dir, logger: quiet });

    expect(spool.stats()).toEqual({ bytes: intact.length, entries: 2, segments: 1 });
    expect(await readFile(path)).toEqual(intact);
    expect(quiet.warn).toHaveBeenCalledWith(expect.objectContaining({ path }), expect.any(String));
    expect(await drainAll(spool)).toEqual(spoolEntries(2));
  });

  it('group-commits concurrent appends into a few fsyncs', async () => {
    const counting = countingFs();
    spool = await DurableSpool.open({ dir, logger: quiet, fs: counting.fs });
    const before = counting.syncs();

    await Promise.all(spoolEntries(200).map((e) => (spool as DurableSpool).append([e])));

    // 200 appends in one tick share one batch: one data fsync plus one for the new file's dir.
    expect(counting.syncs() - before).toBeLessThanOrEqual(2);
    expect(spool.stats().entries).toBe(200);
  });

  it('flushes early once flushMaxEntries are waiting', async () => {
    const counting = countingFs();
    spool = await DurableSpool.open({
      dir,
      logger: quiet,
      fs: counting.fs,
      flushIntervalMs: 60_000,
      flushMaxEntries: 10,
    });

    // A 60 s interval would time the test out unless the size trigger flushes.
    await Promise.all(spoolEntries(30).map((e) => (spool as DurableSpool).append([e])));

    expect(spool.stats().entries).toBe(30);
  });

  it('refuses an append past maxBytes without writing any of it', async () => {
    const oneBytes = Buffer.byteLength(`${JSON.stringify(spoolEntries(1)[0])}\n`);
    spool = await DurableSpool.open({ dir, logger: quiet, maxBytes: oneBytes * 5 });
    await spool.append(spoolEntries(4));
    const before = spool.stats();

    const refused = spool.append(spoolEntries(2, 4));

    await expect(refused).rejects.toBeInstanceOf(SpoolFullError);
    await expect(refused).rejects.toMatchObject({ code: 'SPOOL_FULL' });
    expect(spool.stats()).toEqual(before);
    await spool.close();
    spool = await DurableSpool.open({ dir, logger: quiet, maxBytes: oneBytes * 5 });
    expect(await drainAll(spool)).toEqual(spoolEntries(4));
  });

  it('calls onNearFull once per crossing and re-arms after a drain', async () => {
    const oneBytes = Buffer.byteLength(`${JSON.stringify(spoolEntries(1)[0])}\n`);
    const calls: SpoolStats[] = [];
    const warn = jest.fn();
    spool = await DurableSpool.open({
      dir,
      logger: { warn },
      maxBytes: oneBytes * 10,
      nearFullRatio: 0.5,
      onNearFull: (s) => calls.push(s),
    });

    await spool.append(spoolEntries(4));
    expect(calls).toHaveLength(0);
    await spool.append(spoolEntries(1, 4));
    await spool.append(spoolEntries(2, 5));
    expect(calls).toEqual([{ bytes: oneBytes * 5, entries: 5, segments: 1 }]);
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ entries: 5 }), expect.any(String));

    await drainAll(spool);
    await spool.append(spoolEntries(5, 10));

    expect(calls).toHaveLength(2);
  });

  it('rejects the appends of a failed write and keeps later ones readable', async () => {
    let failNext = true;
    const faulty: SpoolFs = {
      ...fsp,
      open: async (...args: Parameters<typeof fsp.open>) => {
        const handle = await fsp.open(...args);
        const write = handle.write.bind(handle) as (b: Buffer, o: number, l: number) => unknown;
        handle.write = ((buf: Buffer, off: number, len: number) => {
          if (failNext) {
            failNext = false;
            // Half the batch reaches the file before the disk gives up.
            return Promise.resolve(write(buf, off, len >> 1)).then(() => {
              throw Object.assign(new Error('no space left'), { code: 'ENOSPC' });
            });
          }
          return write(buf, off, len);
        }) as typeof handle.write;
        return handle;
      },
    };
    spool = await DurableSpool.open({ dir, logger: quiet, fs: faulty });

    await expect(spool.append(spoolEntries(3))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(spool.stats()).toMatchObject({ bytes: 0, entries: 0 });
    await spool.append(spoolEntries(2, 3));
    await spool.close();

    spool = await DurableSpool.open({ dir, logger: quiet });
    expect(await drainAll(spool)).toEqual(spoolEntries(2, 3));
  });
});
