import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The workspace root (the nearest directory with nx.json above this file, bundled in
 * dist/apps/chaos or as source under ts-jest): the runner starts the other apps' builds from
 * dist/apps.
 */
export const ROOT = findRoot(__dirname);

function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) {
      return dir;
    }
  }
  return resolve(from, '../../..');
}
export const appEntry = (app: string): string => join(ROOT, 'dist/apps', app, 'main.js');

/** A child process whose output goes to a log file, with a promise of its exit code. */
export interface Child {
  proc: ChildProcess;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export function startChild(
  entry: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
): Child {
  const log = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(process.execPath, [entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout?.pipe(log, { end: false });
  proc.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((res) =>
    // Settles once the log file holds everything the child printed: readers parse it next.
    proc.on('close', (code) => log.end(() => res(code))),
  );
  return {
    proc,
    exited,
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        return exited;
      }
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `url` until it answers 2xx (true) or `timeoutMs` passes (false). `check` runs before each
 * poll and may throw to give up early, e.g. when the process behind the URL has exited.
 */
export async function waitForHealth(
  url: string,
  timeoutMs: number,
  check: () => void = () => undefined,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    check();
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      return true;
    }
    await sleep(250);
  }
  return false;
}
