import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Local mode: one plain `node` process per partition from the built agent, never a build tool per
 * partition. Each process takes one job and exits; its stdout/stderr go to agent-<i>.log.
 */
export class LocalAgentPool {
  private readonly children: ChildProcess[] = [];

  constructor(
    private readonly agentEntry: string,
    private readonly redisUrl: string,
  ) {}

  /** Fails fast when the agent was not built (the one-time preparation step). */
  static check(agentEntry: string): void {
    if (!existsSync(resolve(agentEntry))) {
      throw new Error(
        `agent entry ${agentEntry} not found: build once with \`npx nx run-many -t build -p sim-agent sim-coordinator\``,
      );
    }
  }

  /**
   * Starts `count` agents; resolves once each says over IPC that its worker listens, rejects when
   * one exits first or is not ready within `readyTimeoutMs` (the caller stops the pool).
   */
  start(count: number, logDir: string, idPrefix: string, readyTimeoutMs = 120_000): Promise<void> {
    const ready: Promise<void>[] = [];
    for (let i = 0; i < count; i += 1) {
      const log = join(logDir, `agent-${i}.log`);
      const fd = openSync(log, 'a');
      const child = spawn(process.execPath, [resolve(this.agentEntry)], {
        stdio: ['ignore', fd, fd, 'ipc'],
        env: {
          ...process.env,
          REDIS_URL: this.redisUrl,
          AGENT_MAX_JOBS: '1',
          AGENT_IDLE_EXIT_SEC: '60',
          AGENT_ID: `${idPrefix}-${i}`,
          OPS_PORT: '0',
          LOG_LEVEL: 'info',
        },
      });
      closeSync(fd);
      child.on('error', () => undefined);
      this.children.push(child);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () =>
              reject(
                new Error(
                  `local agent ${i} not ready within ${readyTimeoutMs / 1000} s (log ${log})`,
                ),
              ),
            readyTimeoutMs,
          );
          child.on('message', (m) => {
            if (m === 'ready') {
              clearTimeout(timer);
              resolve();
            }
          });
          child.once('exit', (code, signal) => {
            clearTimeout(timer);
            reject(
              new Error(
                `local agent ${i} exited (${signal ?? code}) before it was ready (log ${log})`,
              ),
            );
          });
        }),
      );
    }
    return Promise.all(ready).then(() => undefined);
  }

  /** Process ids of the agents started (running or not). */
  get pids(): number[] {
    return this.children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

  get running(): number {
    return this.children.filter((c) => c.exitCode === null && c.signalCode === null).length;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when every child is gone. */
  async stop(graceMs = 5000): Promise<void> {
    const alive = this.children.filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      alive.map(
        (child) =>
          new Promise<void>((done) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            child.once('exit', () => {
              clearTimeout(timer);
              done();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    this.children.length = 0;
  }
}
