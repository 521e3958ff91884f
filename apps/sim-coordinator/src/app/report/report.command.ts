import { join } from 'node:path';
import { benchmarkTable } from './benchmark-table';
import { writeRunReports } from './report.writer';
import { ArtifactsError, attemptDirs, readAttempt } from './run-artifacts';
import type { ArtifactsCommandName } from './report-args';

/** What a command printed and its exit code (2 when a run's artifacts are missing or unreadable). */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `loadtest report` rewrites every attempt's report.html of each run and prints their paths;
 * `loadtest table` prints one Markdown row per run from its last attempt. Nothing is written
 * for a table, and a report is written for each readable run even when another one is missing.
 */
export async function artifactsCommand(
  name: ArtifactsCommandName,
  artifactsDir: string,
  runIds: string[],
): Promise<CommandResult> {
  const out: string[] = [];
  const errors: string[] = [];
  const attempts = [];
  for (const id of runIds) {
    try {
      const runDir = join(artifactsDir, id);
      if (name === 'report') {
        out.push(...(await writeRunReports(runDir)));
      } else {
        attempts.push(readAttempt(attemptDirs(runDir).at(-1) as string));
      }
    } catch (err) {
      if (!(err instanceof ArtifactsError)) {
        throw err;
      }
      errors.push(`run ${id}: ${err.message}`);
    }
  }
  if (name === 'table' && attempts.length > 0) {
    out.push(benchmarkTable(attempts));
  }
  return {
    code: errors.length > 0 ? 2 : 0,
    stdout: out.length ? `${out.join('\n')}\n` : '',
    stderr: errors.length ? `${errors.join('\n')}\n` : '',
  };
}
