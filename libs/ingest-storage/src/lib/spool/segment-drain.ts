import type { SpoolDrainTarget } from './durable-spool.options';
import type { SpoolFs, SpoolLogger } from './spool-fs';
import { readChunk, removeSegmentFiles, writeOffset, type Segment } from './spool-segment';

/** Outcome of {@link drainSegment}; `complete` means the segment is gone from disk. */
export interface SegmentDrainResult {
  drained: number;
  complete: boolean;
}

/** What a segment drain needs from its spool. */
export interface SegmentDrainContext {
  fs: SpoolFs;
  log: SpoolLogger;
  /** Checked between chunks: true once the spool is closing. */
  stopping: () => boolean;
  /** Called after each acknowledged chunk (bytes went down). */
  onProgress: () => void;
}

/**
 * Delivers a sealed segment from its recorded offset, `chunk` lines at a time. Progress is made
 * durable after every acknowledged chunk (atomic `<segment>.offset`), and only after it: a crash
 * while `add` runs or before the offset is renamed into place re-adds that one chunk on restart,
 * which the DLQ absorbs because job ids derive from each entry's idempotency key. A fully
 * delivered segment is deleted instead. A rejecting `add` propagates, keeping the chunk.
 */
export async function drainSegment(
  ctx: SegmentDrainContext,
  segment: Segment,
  add: SpoolDrainTarget,
  chunk: number,
): Promise<SegmentDrainResult> {
  // Only the fsync'd prefix: anything past `size` belongs to a write that never completed.
  const data = (await ctx.fs.readFile(segment.path)).subarray(0, segment.size);
  let drained = 0;
  while (segment.offset < segment.size) {
    const read = readChunk(data, segment.offset, chunk, (at) =>
      ctx.log.warn({ path: segment.path, at }, 'spool: dropping unparsable line'),
    );
    if (read.entries.length > 0 && (await add(read.entries)).failed.length > 0) {
      return { drained, complete: false };
    }
    if (read.end < segment.size) {
      await writeOffset(ctx.fs, segment, read.end);
    }
    segment.offset = read.end;
    segment.entries -= read.lines;
    drained += read.entries.length;
    ctx.onProgress();
    if (ctx.stopping() && segment.offset < segment.size) {
      return { drained, complete: false };
    }
  }
  await removeSegmentFiles(ctx.fs, segment.path);
  return { drained, complete: true };
}
