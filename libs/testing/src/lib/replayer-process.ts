import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { TEST_INFLUX_TOKEN_ENV } from './test-secrets';

/** The workspace root (this file is libs/testing/src/lib). */
const ROOT = resolve(__dirname, '../../../..');
const REPLAYER = join(ROOT, 'dist/apps/dlq-replayer/main.js');

export interface ReplayerRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** A started replayer: `done` resolves when it exits (so tests can signal it meanwhile). */
export interface ReplayerProcess {
  child: ChildProcess;
  done: Promise<ReplayerRun>;
}

/** Starts the built CLI (`nx build dlq-replayer` first) with `args` and extra environment. */
export function startReplayer(args: string[], env: Record<string, string>): ReplayerProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [REPLAYER, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...TEST_INFLUX_TOKEN_ENV, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ReplayerRun>((res) =>
    child.on('close', (code) => res({ code, stdout, stderr, ms: Date.now() - started })),
  );
  return { child, done };
}

export function runReplayer(args: string[], env: Record<string, string>): Promise<ReplayerRun> {
  return startReplayer(args, env).done;
}

/** The `--json` report, failing with the process output when stdout is not one JSON line. */
export function reportOf(run: ReplayerRun): Record<string, unknown> {
  try {
    return JSON.parse(run.stdout) as Record<string, unknown>;
  } catch {
    throw new Error(`no JSON report (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}
