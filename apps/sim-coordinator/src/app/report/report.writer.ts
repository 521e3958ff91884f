import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderReport } from './report-html';
import { attemptDirs, readAttempt } from './run-artifacts';

export const REPORT_FILE = 'report.html';

/** (Re)writes `<attempt>/report.html` from the attempt's files; resolves with its path. */
export async function writeAttemptReport(dir: string): Promise<string> {
  const path = join(dir, REPORT_FILE);
  await writeFile(path, renderReport(readAttempt(dir)));
  return path;
}

/** Every attempt's report of a run folder, in attempt order. */
export async function writeRunReports(runDir: string): Promise<string[]> {
  const paths: string[] = [];
  for (const dir of attemptDirs(runDir)) {
    paths.push(await writeAttemptReport(dir));
  }
  return paths;
}
