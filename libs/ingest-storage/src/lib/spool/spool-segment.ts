import { join } from 'node:path';
import type { DlqEntry } from '@sousvide/loadtest-contracts';
import { unlinkIfExists, writeFileAtomic, type SpoolFs, type SpoolLogger } from './spool-fs';

const NEWLINE = 0x0a;
const SEGMENT_RE = /^spool-(\d+)\.jsonl$/;
const OFFSET_SUFFIX = '.offset';

/** In-memory view of one `spool-<seq>.jsonl` file. */
export interface Segment {
  seq: number;
  path: string;
  /** Bytes known durable (fsync'd); a drain never reads past them. */
  size: number;
  /** Bytes already acknowledged by the DLQ, persisted in `<segment>.offset`. */
  offset: number;
  /** Lines between `offset` and `size`. */
  entries: number;
}

/** Zero-padded so a plain `ls` lists segments oldest first. */
export function segmentPath(dir: string, seq: number): string {
  return join(dir, `spool-${String(seq).padStart(12, '0')}.jsonl`);
}

/** Serialises entries as JSON lines; JSON.stringify escapes newlines, so one entry is one line. */
export function toJsonLines(entries: readonly DlqEntry[]): string {
  return entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
}

/**
 * Rebuilds the segment list after a restart: drops a torn trailing line (a write that never
 * reached its fsync, so its append never resolved), resumes each segment at its recorded offset,
 * and deletes segments that were fully drained and leftovers of interrupted renames.
 */
export async function recoverSegments(
  fs: SpoolFs,
  dir: string,
  log: SpoolLogger,
): Promise<Segment[]> {
  const names = await fs.readdir(dir);
  const seqs = names
    .map((name) => SEGMENT_RE.exec(name)?.[1])
    .filter((seq): seq is string => seq !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const segments: Segment[] = [];
  for (const seq of seqs) {
    const path = segmentPath(dir, seq);
    const data = await fs.readFile(path);
    const size = data.lastIndexOf(NEWLINE) + 1;
    if (size < data.length) {
      log.warn({ path, tornBytes: data.length - size }, 'spool: dropping torn trailing line');
      await fs.truncate(path, size);
    }
    const offset = await readOffset(fs, path, data, size, log);
    if (offset >= size) {
      await removeSegmentFiles(fs, path);
      continue;
    }
    segments.push({ seq, path, size, offset, entries: countLines(data, offset, size) });
  }
  const live = new Set(segments.map((s) => s.path));
  for (const name of names) {
    const base = join(dir, name).replace(/\.offset(\.tmp)?$/, '');
    if (base !== join(dir, name) && !live.has(base)) {
      await unlinkIfExists(fs, join(dir, name));
    }
  }
  return segments;
}

async function readOffset(
  fs: SpoolFs,
  path: string,
  data: Buffer,
  size: number,
  log: SpoolLogger,
): Promise<number> {
  let text: string;
  try {
    text = await fs.readFile(path + OFFSET_SUFFIX, 'utf8');
  } catch {
    return 0;
  }
  const offset = Number(text.trim());
  const valid =
    Number.isSafeInteger(offset) &&
    offset >= 0 &&
    offset <= size &&
    (offset === 0 || data[offset - 1] === NEWLINE);
  if (!valid) {
    // Starting over re-adds entries the DLQ already holds, which its deterministic ids absorb.
    log.warn({ path, offset: text }, 'spool: ignoring invalid drain offset, draining from start');
    return 0;
  }
  return offset;
}

/** Records drain progress atomically, so a restart resumes after the last acknowledged chunk. */
export function writeOffset(fs: SpoolFs, segment: Segment, offset: number): Promise<void> {
  return writeFileAtomic(fs, segment.path + OFFSET_SUFFIX, String(offset));
}

/** The segment goes first: a crash in between leaves an orphan offset that recovery deletes. */
export async function removeSegmentFiles(fs: SpoolFs, path: string): Promise<void> {
  await unlinkIfExists(fs, path);
  await unlinkIfExists(fs, path + OFFSET_SUFFIX);
}

/** Up to `max` lines parsed from `data` starting at byte `from`. */
export interface ChunkRead {
  entries: DlqEntry[];
  /** Lines consumed, including unparsable ones (which cannot be delivered and are dropped). */
  lines: number;
  end: number;
}

export function readChunk(
  data: Buffer,
  from: number,
  max: number,
  onBadLine: (at: number) => void,
): ChunkRead {
  const entries: DlqEntry[] = [];
  let pos = from;
  let lines = 0;
  while (lines < max && pos < data.length) {
    const nl = data.indexOf(NEWLINE, pos);
    const end = nl < 0 ? data.length : nl + 1;
    try {
      entries.push(JSON.parse(data.toString('utf8', pos, end)) as DlqEntry);
    } catch {
      onBadLine(pos);
    }
    lines++;
    pos = end;
  }
  return { entries, lines, end: pos };
}

function countLines(data: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = data.indexOf(NEWLINE, from); i >= 0 && i < to; i = data.indexOf(NEWLINE, i + 1)) {
    n++;
  }
  return n;
}
