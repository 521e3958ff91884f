import { UsageError } from '@sousvide/shared-util';
import type { CliCommand } from '../cli/cli-args';
import { diffRuns, type RunDiff } from './diff';
import { formatRows } from './method-output';
import { readRunRecord, type RunRecord } from './run-record.reader';

function table(d: RunDiff): string {
  const width = Math.max(...d.rows.map((r) => String(r.a).length), 1) + 2;
  const rows: [string, string][] = d.rows.map((r) => [
    r.metric,
    `${String(r.a).padEnd(width)}${String(r.b).padEnd(width)}${r.changePct !== undefined ? `${r.changePct > 0 ? '+' : ''}${r.changePct}%` : ''}${r.regressed ? '  REGRESSED' : ''}`,
  ]);
  if (d.shapeDiffers.length > 0) {
    rows.unshift(['shape differs (forced)', d.shapeDiffers.join(', ')]);
  }
  rows.unshift(['', `${'A'.padEnd(width)}${'B'.padEnd(width)}change`]);
  const verdict = d.regressed ? `REGRESSED (${d.regressions.length})` : 'NO REGRESSION';
  return formatRows(`Diff ${d.a} -> ${d.b}: ${verdict}`, rows);
}

function read(artifactsDir: string, run: string): RunRecord {
  try {
    return readRunRecord(artifactsDir, run);
  } catch (err) {
    throw new UsageError(`loadtest diff: ${(err as Error).message}`);
  }
}

/** `loadtest diff A B`: exit 4 when B regressed against A. */
export function diffCommand(artifactsDir: string, cmd: CliCommand): number {
  if (!cmd.diff) {
    throw new Error('diff without runs');
  }
  const [a, b] = cmd.diff.runs.map((run) => read(artifactsDir, run));
  const d = diffRuns(a, b, cmd.diff.tolerances);
  if (d.shapeDiffers.length > 0 && !cmd.diff.force) {
    throw new UsageError(
      `runs ${d.a} and ${d.b} have different shapes (${d.shapeDiffers.join(', ')}): their figures are not comparable; --force compares them anyway`,
    );
  }
  if (cmd.json) {
    process.stderr.write(`${table(d)}\n`);
    process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
  } else {
    process.stdout.write(`${table(d)}\n`);
  }
  return d.regressed ? 4 : 0;
}
