import { join } from 'node:path';
import { isErrnoCode, unlinkIfExists, type SpoolFs } from './spool-fs';
import { SpoolLockedError } from './spool-locked.error';

export const LOCK_FILE = 'spool.lock';

/** A lock file whose pid could not be read is presumed mid-creation until it is this old. */
const UNREADABLE_LOCK_GRACE_MS = 10_000;

/**
 * Lock paths held by this process. A pid alone cannot tell "another instance in this process"
 * from "a previous run that had the same pid", which is the norm in containers (pid 1 on every
 * restart), so a lock naming our own pid is stale unless it is in this set.
 */
const heldHere = new Set<string>();

/** Exclusive ownership of a spool directory; {@link release} gives it up. */
export interface SpoolLock {
  readonly path: string;
  release(): Promise<void>;
}

/**
 * Takes `<dir>/spool.lock` (created with `wx`, holding our pid). A lock left by a dead process is
 * taken over; a live owner makes this fail with {@link SpoolLockedError}. Pids are only meaningful
 * on one host, so the directory must be local, not a volume shared between hosts. Two processes
 * taking over the same stale lock at the same instant could both win; one gateway per directory
 * (by gateway id) keeps that out of reach.
 */
export async function acquireSpoolLock(fs: SpoolFs, dir: string): Promise<SpoolLock> {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await fs.open(path, 'wx');
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      heldHere.add(path);
      return {
        path,
        release: async () => {
          heldHere.delete(path);
          await unlinkIfExists(fs, path);
        },
      };
    } catch (err) {
      if (!isErrnoCode(err, 'EEXIST')) {
        throw err;
      }
      const owner = await readOwner(fs, path);
      if (owner.live) {
        throw new SpoolLockedError(dir, owner.pid);
      }
      await unlinkIfExists(fs, path);
    }
  }
  throw new SpoolLockedError(dir, undefined);
}

async function readOwner(fs: SpoolFs, path: string): Promise<{ pid?: number; live: boolean }> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (err) {
    // Released between our open and this read: free to retry.
    if (isErrnoCode(err, 'ENOENT')) {
      return { live: false };
    }
    throw err;
  }
  const pid = Number.parseInt(text.trim(), 10);
  if (!Number.isSafeInteger(pid) || pid <= 0) {
    // The owner may be between creating the file and writing its pid.
    const ageMs = Date.now() - (await fs.stat(path)).mtimeMs;
    return { live: ageMs < UNREADABLE_LOCK_GRACE_MS };
  }
  if (pid === process.pid) {
    return { pid, live: heldHere.has(path) };
  }
  return { pid, live: isAlive(pid) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return isErrnoCode(err, 'EPERM');
  }
}
