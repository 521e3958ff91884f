import { mkdirSync, statSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p`: `dir` and every missing parent, each with `mode`; an existing directory is fine.
 * Node's own `recursive: true` spins forever where mkdir answers ENOENT under a parent that
 * exists (procfs: `--out /proc/x` hung the provisioner); this one fails with that ENOENT.
 */
export function makeDirSync(dir: string, mode?: number): void {
  const path = resolve(dir);
  try {
    mkdirSync(path, { mode });
    return;
  } catch (err) {
    if (existingDir(err, () => statSync(path).isDirectory())) {
      return;
    }
    const parent = dirname(path);
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) {
      throw err;
    }
    makeDirSync(parent, mode);
  }
  try {
    mkdirSync(path, { mode });
  } catch (err) {
    if (!existingDir(err, () => statSync(path).isDirectory())) {
      throw err;
    }
  }
}

/** {@link makeDirSync}, without blocking the event loop; `fs` for a caller that injects its own. */
export async function makeDir(
  dir: string,
  mode?: number,
  fs: Pick<typeof fsp, 'mkdir' | 'stat'> = fsp,
): Promise<void> {
  const path = resolve(dir);
  const isDir = (): Promise<boolean> => fs.stat(path).then((s) => s.isDirectory());
  try {
    await fs.mkdir(path, { mode });
    return;
  } catch (err) {
    if (await existingDirAsync(err, isDir)) {
      return;
    }
    const parent = dirname(path);
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === path) {
      throw err;
    }
    await makeDir(parent, mode, fs);
  }
  try {
    await fs.mkdir(path, { mode });
  } catch (err) {
    if (!(await existingDirAsync(err, isDir))) {
      throw err;
    }
  }
}

/** An EEXIST for a directory: made already (by us, or by someone racing us). */
function existingDir(err: unknown, isDir: () => boolean): boolean {
  return (err as NodeJS.ErrnoException).code === 'EEXIST' && isDir();
}

async function existingDirAsync(err: unknown, isDir: () => Promise<boolean>): Promise<boolean> {
  return (err as NodeJS.ErrnoException).code === 'EEXIST' && (await isDir());
}
