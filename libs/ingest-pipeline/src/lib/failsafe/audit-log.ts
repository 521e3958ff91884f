import { open, type FileHandle } from 'node:fs/promises';
import { makeDir } from '@sousvide/shared-util';
import { dirname } from 'node:path';
import { AUDIT_GENESIS, auditHeadOf, type AuditHead, sealAuditRecord } from './audit-chain';

/** The file operations the log needs; a test swaps one for a failing one. */
export interface AuditFile {
  append(data: Buffer): Promise<void>;
  sync(): Promise<void>;
  truncate(size: number): Promise<void>;
  close(): Promise<void>;
}

type Log = (obj: Record<string, unknown>, msg: string) => void;
interface Pending {
  body: Record<string, unknown>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** How much of the file's end is read at open to find the last record (records are < 2 KiB). */
const TAIL_BYTES = 64 * 1024;

/**
 * The fail-safe's append-only audit log: JSON lines, each hash-chained to the one before
 * (audit-chain.ts). Appends wait in a queue and are written and fsync'd in groups; an append
 * resolves only after the fsync that made its record durable. A group that fails is cut off the
 * file again and its appends reject, and the chain goes on from the last durable record, so one
 * failure never poisons later appends or the shutdown.
 */
export class AuditLog {
  private queue: Pending[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    private readonly file: AuditFile,
    private head: AuditHead,
    private size: number,
  ) {}

  /**
   * Opens (or creates) the log at `path` and continues its chain. A last line without a line end
   * was never acknowledged (its fsync did not complete): it is cut off, with a warning.
   */
  static async open(
    path: string,
    log: Log,
    wrap = (f: AuditFile): AuditFile => f,
  ): Promise<AuditLog> {
    await makeDir(dirname(path));
    const handle = await open(path, 'a+');
    try {
      const { size } = await handle.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const tail = Buffer.alloc(size - start);
      await handle.read(tail, 0, tail.length, start);
      const end = tail.lastIndexOf(0x0a) + 1;
      let durable = size;
      if (end < tail.length) {
        durable = start + end;
        await handle.truncate(durable);
        log(
          { path, cutBytes: size - durable },
          'audit log: cut off a record whose write never completed',
        );
      }
      const lineStart = end >= 2 ? tail.lastIndexOf(0x0a, end - 2) + 1 : 0;
      const lastLine = tail.subarray(lineStart, Math.max(lineStart, end - 1)).toString();
      let head = lastLine === '' ? AUDIT_GENESIS : auditHeadOf(lastLine);
      if (!head) {
        // Refusing to boot would take the fail-safe down with the log: go on, loudly.
        log({ path }, 'audit log: its last line is not a record; "audit verify" names it');
        head = AUDIT_GENESIS;
      }
      return new AuditLog(wrap(fileOf(handle)), head, durable);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** The last durable record. */
  get last(): AuditHead {
    return this.head;
  }

  /** Resolves once the record is durable (written and fsync'd); rejects if that failed. */
  append(body: Record<string, unknown>): Promise<void> {
    if (this.closed) {
      return Promise.reject(new Error('audit log closed'));
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ body, resolve, reject });
      // Started on the next microtask, so the appends of one event-loop turn share a group.
      this.writing ??= Promise.resolve().then(() => this.writeAll());
    });
  }

  /** Waits for every append (settled either way), then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) {
      await this.writing;
    }
    await this.file.close();
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      try {
        let head = this.head;
        const lines: string[] = [];
        for (const p of group) {
          const sealed = sealAuditRecord(p.body, head);
          lines.push(sealed.line);
          head = sealed.head;
        }
        const data = Buffer.from(`${lines.join('\n')}\n`);
        await this.file.append(data);
        await this.file.sync();
        this.head = head;
        this.size += data.length;
        group.forEach((p) => p.resolve());
      } catch (err) {
        // Whatever part of the group reached the file is cut off again, so the next group chains
        // to the last durable record.
        await this.file.truncate(this.size).catch(() => undefined);
        group.forEach((p) => p.reject(err as Error));
      }
    }
    this.writing = undefined;
  }
}

function fileOf(handle: FileHandle): AuditFile {
  return {
    append: async (data) => {
      await handle.appendFile(data);
    },
    sync: () => handle.datasync(),
    truncate: (size) => handle.truncate(size),
    close: () => handle.close(),
  };
}
