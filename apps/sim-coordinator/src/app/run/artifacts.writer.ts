import { writeFile } from 'node:fs/promises';
import { makeDir } from '@sousvide/shared-util';
import { join } from 'node:path';

/**
 * Writes a run's artifacts under `<root>/<runId>/attempt-<n>/` (docs/architecture.md section 3).
 */
export class ArtifactsWriter {
  constructor(private readonly root: string) {}

  runDir(runId: string): string {
    return join(this.root, runId);
  }

  attemptDir(runId: string, attempt: number): string {
    return join(this.root, runId, `attempt-${attempt}`);
  }

  async prepareAttempt(runId: string, attempt: number): Promise<string> {
    const dir = this.attemptDir(runId, attempt);
    await makeDir(dir);
    return dir;
  }

  async writeJson(dir: string, name: string, value: unknown): Promise<void> {
    await writeFile(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
  }

  async writePartLog(dir: string, part: number, lines: string[]): Promise<void> {
    await writeFile(join(dir, `part-${part}.log`), lines.length ? `${lines.join('\n')}\n` : '');
  }
}
