import { readdir, rm } from 'node:fs/promises';
import type { DlqEntry } from '@sousvide/loadtest-contracts';
import { DurableSpool } from './durable-spool';
import type { SpoolDrainTarget } from './durable-spool.options';
import { leaveStaleLock, segmentFiles, spoolEntries, tempSpoolDir } from './spool-fixtures.testing';

const quiet = { warn: jest.fn() };
const ok = { failed: [] };

/** A fake DLQ that records every chunk it is handed and fails the chunks numbered in `failOn`. */
function recordingTarget(failOn: number[] = []): { add: SpoolDrainTarget; chunks: DlqEntry[][] } {
  const chunks: DlqEntry[][] = [];
  const add: SpoolDrainTarget = (entries) => {
    chunks.push(entries);
    const failed = failOn.includes(chunks.length)
      ? entries.map((entry) => ({ entry, error: 'Connection is closed.' }))
      : [];
    return Promise.resolve({ failed });
  };
  return { add, chunks };
}

describe('DurableSpool.drainTo', () => {
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

  it('keeps exactly the undrained entries, in order, when the 3rd chunk fails', async () => {
    spool = await DurableSpool.open({ dir, logger: quiet });
    await spool.append(spoolEntries(25));
    const failing = recordingTarget([3]);

    expect(await spool.drainTo(failing.add, 5)).toEqual({ drained: 10, remaining: 15 });
    expect(spool.stats().entries).toBe(15);

    const rest = recordingTarget();
    expect(await spool.drainTo(rest.add, 5)).toEqual({ drained: 15, remaining: 0 });
    expect(rest.chunks.flat()).toEqual(spoolEntries(15, 10));
    expect(spool.stats()).toEqual({ bytes: 0, entries: 0, segments: 0 });
  });

  it('leaves the spool intact while the target still fails everything', async () => {
    spool = await DurableSpool.open({ dir, logger: quiet });
    await spool.append(spoolEntries(7));
    const before = spool.stats();

    expect(await spool.drainTo(recordingTarget([1]).add, 5)).toEqual({ drained: 0, remaining: 7 });
    expect(spool.stats()).toEqual(before);
  });

  it('resumes after the last acknowledged chunk when restarted mid-drain', async () => {
    spool = await DurableSpool.open({ dir, logger: quiet });
    await spool.append(spoolEntries(23));
    // Acknowledges two chunks, then "crashes" while the DLQ holds the 3rd: it never answers.
    const firstRun: DlqEntry[][] = [];
    const hang: SpoolDrainTarget = (entries) => {
      firstRun.push(entries);
      return firstRun.length <= 2 ? Promise.resolve(ok) : new Promise(() => undefined);
    };
    void spool.drainTo(hang, 5);
    await waitUntil(() => firstRun.length === 3);
    spool = undefined; // the process dies: no close(), and its lock stays behind
    await leaveStaleLock(dir);

    spool = await DurableSpool.open({ dir, logger: quiet });
    expect(spool.stats().entries).toBe(13);
    const secondRun = recordingTarget();
    expect(await spool.drainTo(secondRun.add, 5)).toEqual({ drained: 13, remaining: 0 });

    const acked = firstRun.slice(0, 2).flat();
    const redelivered = secondRun.chunks.flat();
    // The chunk in flight at the crash comes again (harmless: DLQ ids are deterministic) ...
    expect(redelivered.slice(0, 5)).toEqual(firstRun[2]);
    // ... but nothing before it does, and together every entry arrived.
    expect(redelivered.filter((e) => acked.some((a) => a.key === e.key))).toEqual([]);
    const distinct = new Set([...acked, ...redelivered].map((e) => e.key));
    expect(distinct.size).toBe(23);
    expect([...acked, ...redelivered]).toEqual(spoolEntries(23));
  });

  it('rotates segments at segmentBytes and deletes each once drained', async () => {
    const oneBytes = Buffer.byteLength(`${JSON.stringify(spoolEntries(1)[0])}\n`);
    spool = await DurableSpool.open({ dir, logger: quiet, segmentBytes: oneBytes * 4 });
    for (let i = 0; i < 10; i += 2) {
      await spool.append(spoolEntries(2, i));
    }
    expect(await segmentFiles(dir)).toHaveLength(3);
    expect(spool.stats()).toMatchObject({ entries: 10, segments: 3 });

    // Chunks stop at segment ends: [0-2] [3] | [4-6] [7 fails]. The 1st segment is gone, the
    // 2nd records its progress.
    const partial = recordingTarget([4]);
    expect(await spool.drainTo(partial.add, 3)).toEqual({ drained: 7, remaining: 3 });
    expect(await segmentFiles(dir)).toHaveLength(2);
    expect((await readdir(dir)).filter((n) => n.endsWith('.offset'))).toHaveLength(1);

    const rest = recordingTarget();
    await spool.drainTo(rest.add, 3);
    expect(rest.chunks.flat()).toEqual(spoolEntries(3, 7));
    expect(await readdir(dir)).toEqual(['spool.lock']);
  });

  it('sends appends made during a drain to a new segment, drained in turn', async () => {
    spool = await DurableSpool.open({ dir, logger: quiet });
    await spool.append(spoolEntries(4));
    const delivered: DlqEntry[] = [];
    const live = spool;
    const add: SpoolDrainTarget = async (entries) => {
      delivered.push(...entries);
      if (delivered.length === 2) {
        await live.append(spoolEntries(2, 4));
      }
      return ok;
    };

    expect(await spool.drainTo(add, 2)).toEqual({ drained: 6, remaining: 0 });
    expect(delivered).toEqual(spoolEntries(6));
  });
});

async function waitUntil(check: () => boolean): Promise<void> {
  while (!check()) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
