import { writeFile } from 'node:fs/promises';
import { makeDir } from '@sousvide/shared-util';
import { join } from 'node:path';

/** Rows of `label  value`, under a head line: the methods' human output. */
export function formatRows(head: string, rows: [string, string][]): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length)) + 2;
  return [head, '-'.repeat(head.length), ...rows.map(([k, v]) => `${k.padEnd(width)}${v}`)].join(
    '\n',
  );
}

/**
 * Writes a method's result as `<artifactsRoot>/<runId>/<name>` (next to the runs it made) and
 * prints it: the table on stdout, or with --json the JSON on stdout and the table on stderr.
 */
export async function writeAndPrint(
  artifactsRoot: string,
  runId: string,
  name: string,
  result: unknown,
  table: string,
  json: boolean,
): Promise<string> {
  const dir = join(artifactsRoot, runId);
  await makeDir(dir);
  const path = join(dir, name);
  const text = `${JSON.stringify(result, null, 2)}\n`;
  await writeFile(path, text);
  if (json) {
    process.stderr.write(`${table}\n${name}: ${path}\n`);
    process.stdout.write(text);
  } else {
    process.stdout.write(`${table}\n${name}: ${path}\n`);
  }
  return path;
}
