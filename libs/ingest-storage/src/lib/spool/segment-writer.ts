import type { FileHandle } from 'node:fs/promises';
import { syncDir, type SpoolFs } from './spool-fs';
import { segmentPath, type Segment } from './spool-segment';

/**
 * Appends batches to the newest segment, rotating at `segmentBytes`. Callers serialise every
 * call (DurableSpool chains them), so there is never more than one write in flight.
 */
export class SegmentWriter {
  private active: { segment: Segment; handle: FileHandle } | undefined;

  constructor(
    private readonly fs: SpoolFs,
    private readonly dir: string,
    private readonly segmentBytes: number,
    /** Shared with DurableSpool, oldest first; new segments are pushed here. */
    private readonly segments: Segment[],
    private nextSeq: number,
  ) {}

  /** True for the segment currently open for appends, which a drain must not touch. */
  isActive(segment: Segment): boolean {
    return this.active?.segment === segment;
  }

  /**
   * Writes `data` (`lines` whole JSON lines) and fsyncs it; `size` and `entries` of the segment
   * grow only once the data is durable, so a concurrent reader never sees unsynced bytes.
   */
  async write(data: Buffer, lines: number): Promise<void> {
    const { segment, handle } = await this.target(data.length);
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await handle.write(data, written, data.length - written);
        written += bytesWritten;
      }
      await handle.sync();
    } catch (err) {
      // Cut the partial batch off and never append to this file again, so no later line can
      // follow a torn one; whatever survives past `size` is dropped as a torn tail at recovery.
      await handle.truncate(segment.size).catch(() => undefined);
      await this.seal();
      throw err;
    }
    segment.size += data.length;
    segment.entries += lines;
  }

  /** Closes the active segment; the next write starts a new one. */
  async seal(): Promise<void> {
    const active = this.active;
    this.active = undefined;
    await active?.handle.close();
  }

  private async target(bytes: number): Promise<{ segment: Segment; handle: FileHandle }> {
    if (this.active && this.active.segment.size > 0) {
      if (this.active.segment.size + bytes > this.segmentBytes) {
        await this.seal();
      }
    }
    if (!this.active) {
      const seq = this.nextSeq++;
      const path = segmentPath(this.dir, seq);
      // 'x': a segment is only ever created fresh, never appended to after a restart.
      const handle = await this.fs.open(path, 'ax');
      await syncDir(this.fs, this.dir);
      const segment: Segment = { seq, path, size: 0, offset: 0, entries: 0 };
      this.segments.push(segment);
      this.active = { segment, handle };
    }
    return this.active;
  }
}
