import { readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DurableSpool } from './durable-spool';
import { leaveStaleLock, spoolEntries, tempSpoolDir } from './spool-fixtures.testing';
import { SpoolLockedError } from './spool-locked.error';

const quiet = { warn: jest.fn() };

describe('DurableSpool directory lock', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await tempSpoolDir();
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second open of the same directory while the first is open', async () => {
    const first = await DurableSpool.open({ dir, logger: quiet });
    try {
      const second = DurableSpool.open({ dir, logger: quiet });

      await expect(second).rejects.toBeInstanceOf(SpoolLockedError);
      await expect(second).rejects.toMatchObject({ code: 'SPOOL_LOCKED', ownerPid: process.pid });
    } finally {
      await first.close();
    }
    // Released by close(): the directory can be opened again.
    await (await DurableSpool.open({ dir, logger: quiet })).close();
  });

  it('takes over a lock whose pid is no longer running', async () => {
    const first = await DurableSpool.open({ dir, logger: quiet });
    await first.append(spoolEntries(3));
    await leaveStaleLock(dir);

    const next = await DurableSpool.open({ dir, logger: quiet });
    try {
      expect(await readFile(join(dir, 'spool.lock'), 'utf8')).toBe(`${process.pid}\n`);
      expect(next.stats().entries).toBe(3);
    } finally {
      await next.close();
    }
  });

  it('takes over a lock naming our own pid that this process does not hold', async () => {
    // A container restart reuses the pid (often 1): the old lock then names the new process.
    await writeFile(join(dir, 'spool.lock'), `${process.pid}\n`);

    const spool = await DurableSpool.open({ dir, logger: quiet });
    try {
      // Taken over, not merely ignored: now held here, so another open in this process is refused.
      await expect(DurableSpool.open({ dir, logger: quiet })).rejects.toBeInstanceOf(
        SpoolLockedError,
      );
      expect(await readFile(join(dir, 'spool.lock'), 'utf8')).toBe(`${process.pid}\n`);
    } finally {
      await spool.close();
    }
  });

  it('treats a lock without a readable pid as being written, until it is old', async () => {
    // Another process between creating the file (wx) and writing its pid.
    await writeFile(join(dir, 'spool.lock'), '');
    await expect(DurableSpool.open({ dir, logger: quiet })).rejects.toBeInstanceOf(
      SpoolLockedError,
    );

    // Left empty for longer than a writer could need: its owner died mid-creation.
    const old = new Date(Date.now() - 60_000);
    await utimes(join(dir, 'spool.lock'), old, old);
    const spool = await DurableSpool.open({ dir, logger: quiet });
    await spool.close();
  });
});
