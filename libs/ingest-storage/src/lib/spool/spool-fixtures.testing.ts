import { spawnSync } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DlqEntry } from '@sousvide/loadtest-contracts';
import type { SpoolFs } from './spool-fs';
import { LOCK_FILE } from './spool-lock';

/** Entry `i`: its key (and so its DLQ id) depends only on `i`. */
export function spoolEntry(i: number): DlqEntry {
  return {
    kind: 'redis',
    key: `sv-${i}:${i}`,
    topic: `sousvide/sv-${i}/telemetry`,
    payloadBase64: Buffer.from(`{"seq":${i}}`).toString('base64'),
    error: { code: 'REDIS_WRITE', message: 'down' },
    failedAt: 1_795_788_703_500 + i,
    gatewayId: 'gw-a',
  };
}

export function spoolEntries(n: number, from = 0): DlqEntry[] {
  return Array.from({ length: n }, (_, i) => spoolEntry(from + i));
}

export function tempSpoolDir(): Promise<string> {
  return fsp.mkdtemp(join(tmpdir(), 'spool-spec-'));
}

/** Node's fs with every FileHandle.sync() counted. */
export function countingFs(): { fs: SpoolFs; syncs: () => number } {
  let syncs = 0;
  const fs: SpoolFs = {
    ...fsp,
    open: async (...args: Parameters<typeof fsp.open>) => {
      const handle = await fsp.open(...args);
      const sync = handle.sync.bind(handle);
      handle.sync = () => {
        syncs++;
        return sync();
      };
      return handle;
    },
  };
  return { fs, syncs: () => syncs };
}

/** A pid that is certainly not running: a child that has already exited. */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid ?? 2 ** 22 + 1;
}

/** What a crashed owner leaves: a lock file naming a process that no longer exists. */
export function leaveStaleLock(dir: string): Promise<void> {
  return fsp.writeFile(join(dir, LOCK_FILE), `${deadPid()}\n`);
}

/** Lines per segment file, oldest first (tests inspect the on-disk layout). */
export async function segmentFiles(dir: string): Promise<string[]> {
  return (await fsp.readdir(dir)).filter((n) => n.endsWith('.jsonl')).sort();
}
