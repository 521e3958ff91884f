import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Streams the backend's log into an attempt's backend.log by running BACKEND_LOG_CMD (e.g.
 * `tail -n0 -F gw.log`) under `sh -c`. The command gets a process group of its own, so stopping
 * it also stops what the shell started (a shell need not exec its last command).
 */
export class BackendLog {
  constructor(private readonly command: string | undefined) {}

  /** Starts the command for one attempt; undefined when no command is configured. */
  start(dir: string): { stop(): void } | undefined {
    if (!this.command) {
      return undefined;
    }
    const fd = openSync(join(dir, 'backend.log'), 'a');
    const child = spawn('sh', ['-c', this.command], { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child.on('error', () => undefined);
    // Detached, it no longer gets the terminal's Ctrl-C: also stop it when we exit early.
    const onExit = (): void => stopGroup(child);
    process.once('exit', onExit);
    return {
      stop: () => {
        process.off('exit', onExit);
        stopGroup(child);
      },
    };
  }
}

function stopGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null) {
    return;
  }
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    child.kill('SIGTERM');
  }
}
