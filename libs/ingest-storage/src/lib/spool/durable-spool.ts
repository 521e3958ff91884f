import type { DlqEntry } from '@sousvide/loadtest-contracts';
import { makeDir } from '@sousvide/shared-util';
import {
  spoolSettings,
  type DurableSpoolOptions,
  type SpoolDrainTarget,
  type SpoolSettings,
  type SpoolStats,
} from './durable-spool.options';
import { NearFullSignal } from './near-full-signal';
import { SegmentWriter } from './segment-writer';
import { SpoolFullError } from './spool-full.error';
import { consoleSpoolLogger, nodeSpoolFs, type SpoolFs, type SpoolLogger } from './spool-fs';
import { acquireSpoolLock, type SpoolLock } from './spool-lock';
import { drainSegment, type SegmentDrainContext } from './segment-drain';
import { recoverSegments, toJsonLines, type Segment } from './spool-segment';

interface PendingAppend {
  text: string;
  lines: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Local, append-only overflow for DLQ entries while Redis is unreachable: JSON-lines segments
 * written with group commit, bounded by `maxBytes`, drained oldest-first into the DLQ once Redis
 * is back. Delivery is at least once: a chunk leaves the spool only after the DLQ acknowledged
 * it, so a crash can re-add the chunk in flight, which is harmless because DLQ job ids are
 * derived from each entry's idempotency key (BullMQ ignores an existing id).
 * One process per directory: {@link open} takes a lock file.
 */
export class DurableSpool {
  private pending: PendingAppend[] = [];
  private pendingLines = 0;
  /** Bytes accepted by append() but not yet durable; they count toward `maxBytes`. */
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Serialises writes and seals, so a segment is never written and sealed at once. */
  private writeChain: Promise<void> = Promise.resolve();
  private drainChain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly drainContext: SegmentDrainContext;

  private constructor(
    private readonly settings: SpoolSettings,
    fs: SpoolFs,
    log: SpoolLogger,
    private readonly nearFull: NearFullSignal,
    private readonly lock: SpoolLock,
    private readonly segments: Segment[],
    private readonly writer: SegmentWriter,
  ) {
    this.drainContext = {
      fs,
      log,
      stopping: () => this.closed,
      onProgress: () => this.nearFull.update(this.stats()),
    };
  }

  /** Creates `dir`, takes its lock and recovers what a previous run left (see recoverSegments). */
  static async open(options: DurableSpoolOptions): Promise<DurableSpool> {
    const settings = spoolSettings(options);
    const fs = options.fs ?? nodeSpoolFs;
    const log = options.logger ?? consoleSpoolLogger;
    const threshold = settings.nearFullRatio * settings.maxBytes;
    const nearFull = new NearFullSignal(threshold, settings.maxBytes, log, options.onNearFull);
    await makeDir(settings.dir, undefined, fs);
    const lock = await acquireSpoolLock(fs, settings.dir);
    try {
      const segments = await recoverSegments(fs, settings.dir, log);
      const nextSeq = (segments.at(-1)?.seq ?? 0) + 1;
      const writer = new SegmentWriter(fs, settings.dir, settings.segmentBytes, segments, nextSeq);
      const spool = new DurableSpool(settings, fs, log, nearFull, lock, segments, writer);
      // Already past the line after a restart: alert now, not at the next append.
      nearFull.update(spool.stats());
      return spool;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /**
   * Resolves once the entries are written and fsync'd. Rejects with {@link SpoolFullError}
   * (writing nothing) when they would take the spool past `maxBytes`.
   */
  append(entries: readonly DlqEntry[]): Promise<void> {
    if (this.closed) {
      return Promise.reject(new Error('DurableSpool is closed'));
    }
    if (entries.length === 0) {
      return Promise.resolve();
    }
    const text = toJsonLines(entries);
    const bytes = Buffer.byteLength(text);
    const used = this.bytesUsed() + this.pendingBytes;
    if (used + bytes > this.settings.maxBytes) {
      return Promise.reject(new SpoolFullError(bytes, used, this.settings.maxBytes));
    }
    this.pendingBytes += bytes;
    this.pendingLines += entries.length;
    const done = new Promise<void>((resolve, reject) => {
      this.pending.push({ text, lines: entries.length, resolve, reject });
    });
    if (this.pendingLines >= this.settings.flushMaxEntries) {
      this.flush();
    } else {
      this.timer ??= setTimeout(() => this.flush(), this.settings.flushIntervalMs);
    }
    return done;
  }

  /**
   * Moves entries oldest-first into `add`, `chunk` at a time, until the spool is empty or `add`
   * reports a failure (then the failed chunk and everything after it stay). Appends made during
   * a drain go to a new segment. Concurrent calls run one after another.
   */
  drainTo(add: SpoolDrainTarget, chunk = 500): Promise<{ drained: number; remaining: number }> {
    const run = this.drainChain.then(() => this.drainAll(add, Math.max(1, chunk)));
    this.drainChain = run.catch(() => undefined);
    return run;
  }

  /** Undrained entries, their bytes and the segment files holding them. */
  stats(): SpoolStats {
    let entries = 0;
    for (const s of this.segments) {
      entries += s.entries;
    }
    return { bytes: this.bytesUsed(), entries, segments: this.segments.length };
  }

  /** Flushes pending appends, lets a running drain stop after its current chunk, frees the lock. */
  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.flush();
    await this.drainChain;
    await this.serialised(() => this.writer.seal());
    await this.lock.release();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) {
      return;
    }
    const lines = this.pendingLines;
    this.pending = [];
    this.pendingLines = 0;
    const data = Buffer.from(batch.map((p) => p.text).join(''));
    void this.serialised(async () => {
      try {
        await this.writer.write(data, lines);
      } catch (err) {
        batch.forEach((p) => p.reject(err));
        return;
      } finally {
        // The bytes now count in the segment's size; for a moment they count twice, never zero.
        this.pendingBytes -= data.length;
      }
      batch.forEach((p) => p.resolve());
      this.nearFull.update(this.stats());
    });
  }

  private serialised(step: () => Promise<void>): Promise<void> {
    const run = this.writeChain.then(step);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  private async drainAll(
    add: SpoolDrainTarget,
    chunk: number,
  ): Promise<{ drained: number; remaining: number }> {
    let drained = 0;
    while (!this.closed) {
      const head = this.segments[0];
      if (!head || (this.writer.isActive(head) && head.entries === 0)) {
        break;
      }
      if (this.writer.isActive(head)) {
        // Never read a segment that is still being appended to: close it first.
        await this.serialised(() => this.writer.seal());
        continue;
      }
      const result = await drainSegment(this.drainContext, head, add, chunk);
      drained += result.drained;
      if (!result.complete) {
        break;
      }
      this.segments.splice(this.segments.indexOf(head), 1);
    }
    return { drained, remaining: this.stats().entries };
  }

  private bytesUsed(): number {
    let bytes = 0;
    for (const s of this.segments) {
      bytes += s.size - s.offset;
    }
    return bytes;
  }
}
