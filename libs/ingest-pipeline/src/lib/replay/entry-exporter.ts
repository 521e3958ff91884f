import { open, type FileHandle } from 'node:fs/promises';
import { TextDecoder } from 'node:util';
import { readDlqEntry } from './dlq-entry.util';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * `--export FILE`: one JSON line per selected entry, the stored job data plus `payload` decoded as
 * UTF-8 when it is, so an operator can read and fix parse failures. Writing it changes nothing in
 * Redis, which is what makes `--export --dry-run` a safe inspection.
 */
export class EntryExporter {
  private constructor(private readonly file: FileHandle) {}

  /** Truncates the file: an export describes one replay, not an accumulation. */
  static async create(path: string): Promise<EntryExporter> {
    return new EntryExporter(await open(path, 'w'));
  }

  async write(jobs: readonly { id?: string; data: unknown }[]): Promise<void> {
    if (jobs.length === 0) {
      return;
    }
    const lines = jobs.map(({ id, data }) =>
      JSON.stringify({ jobId: id, ...asObject(data), ...payloadOf(data) }),
    );
    await this.file.appendFile(`${lines.join('\n')}\n`);
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function asObject(data: unknown): Record<string, unknown> {
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : { data };
}

function payloadOf(data: unknown): { payload?: string } {
  const read = readDlqEntry(data);
  if (!read.ok) {
    return {};
  }
  try {
    return { payload: utf8.decode(read.payload) };
  } catch {
    // Not UTF-8: payloadBase64 already carries the bytes.
    return {};
  }
}
