import * as fsp from 'node:fs/promises';

/**
 * The file-system calls the spool makes; injectable so tests can count fsyncs or inject faults
 * without mocking Node modules.
 */
export type SpoolFs = Pick<
  typeof fsp,
  | 'open'
  | 'readFile'
  | 'readdir'
  | 'rename'
  | 'unlink'
  | 'mkdir'
  | 'truncate'
  | 'stat'
  | 'writeFile'
>;

/** Node's own promise API. */
export const nodeSpoolFs: SpoolFs = fsp;

/** Structured warning sink, shaped like pino's `logger.warn(fields, msg)`. */
export interface SpoolLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}

/** Used when the caller passes no logger, so a near-full spool is never silent. */
export const consoleSpoolLogger: SpoolLogger = {
  warn: (fields, msg) => console.warn(msg, fields),
};

export function isErrnoCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && Reflect.get(err, 'code') === code;
}

/** Removes a file that may already be gone. */
export async function unlinkIfExists(fs: SpoolFs, path: string): Promise<void> {
  try {
    await fs.unlink(path);
  } catch (err) {
    if (!isErrnoCode(err, 'ENOENT')) {
      throw err;
    }
  }
}

/** Makes a create, rename or unlink in `dir` itself survive a power loss (Linux semantics). */
export async function syncDir(fs: SpoolFs, dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `path` so a crash leaves either the old or the new content, never a mix. */
export async function writeFileAtomic(fs: SpoolFs, path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, path);
}
