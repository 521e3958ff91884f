import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { agentEnvironment } from '@sousvide/loadtest-contracts';

/**
 * Local mode: one plain `node` process per partition from the built agent, never a build tool per
 * partition. Each process takes one job and exits; its stdout/stderr go to agent-<i>.log. The
 * agents' settings are the agent contract's names (agentEnvironment), not strings of our own.
 */
export class LocalAgentPool {
  constructor(
    private readonly agentEntry: string,
    private readonly redisUrl: string,
  ) {}

  /** Fails fast when the agent was not built (the one-time preparation step). */
  check(): void {
    if (!existsSync(resolve(this.agentEntry))) {
      throw new Error(
        `agent entry ${this.agentEntry} not found: build once with \`npx nx run-many -t build -p sim-agent sim-coordinator\``,
      );
    }
  }

  /** Starts `count` agents for one attempt. */
  start(count: number, logDir: string, idPrefix: string): LocalAgents {
    const children: ChildProcess[] = [];
    for (let i = 0; i < count; i += 1) {
      const fd = openSync(join(logDir, `agent-${i}.log`), 'a');
      const child = spawn(process.execPath, [resolve(this.agentEntry)], {
        stdio: ['ignore', fd, fd, 'ipc'],
        env: {
          ...process.env,
          ...agentEnvironment({
            REDIS_URL: this.redisUrl,
            AGENT_MAX_JOBS: 1,
            AGENT_IDLE_EXIT_SEC: 60,
            AGENT_ID: `${idPrefix}-${i}`,
            OPS_PORT: 0,
            LOG_LEVEL: 'info',
          }),
        },
      });
      closeSync(fd);
      child.on('error', () => undefined);
      children.push(child);
    }
    return new LocalAgents(children);
  }
}

/** The agent processes of one attempt. */
export class LocalAgents {
  constructor(private readonly children: ChildProcess[]) {}

  get running(): number {
    return this.children.filter(alive).length;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves when every child is gone. */
  async stop(graceMs = 5000): Promise<void> {
    await Promise.all(
      this.children.filter(alive).map(
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

function alive(c: ChildProcess): boolean {
  return c.exitCode === null && c.signalCode === null;
}
