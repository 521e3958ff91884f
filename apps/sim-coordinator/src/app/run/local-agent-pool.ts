import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { agentEnvironment } from '@sousvide/loadtest-contracts';
import type { AgentPacking } from './agent-packing';

/**
 * Local mode: plain `node` processes from the built agent, never a build tool per partition, each
 * running up to `partitionsPerProcess` partitions at once (its BullMQ concurrency; ADR 0044). A
 * process takes that many jobs and exits; its stdout/stderr go to agent-<i>.log. The agents'
 * settings are the agent contract's names (agentEnvironment), not strings of our own.
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

  /**
   * Starts one attempt's agents as packed, each with `connectWindow` CONNECTs in flight at most
   * when set (connectWindowFor); `ready` says when they listen.
   */
  start(
    packing: Pick<AgentPacking, 'processes' | 'partitionsPerProcess'> & { connectWindow?: number },
    logDir: string,
    idPrefix: string,
    readyTimeoutMs = 120_000,
  ): LocalAgents {
    const children: ChildProcess[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < packing.processes; i += 1) {
      const log = join(logDir, `agent-${i}.log`);
      const fd = openSync(log, 'a');
      const child = spawn(process.execPath, [resolve(this.agentEntry)], {
        stdio: ['ignore', fd, fd, 'ipc'],
        env: {
          // The agent needs no API token nor the probe's password: a secret goes only where it is used.
          ...withoutApiToken(process.env),
          ...agentEnvironment({
            REDIS_URL: this.redisUrl,
            AGENT_CONCURRENCY: packing.partitionsPerProcess,
            AGENT_MAX_JOBS: packing.partitionsPerProcess,
            AGENT_CONNECT_WINDOW: packing.connectWindow,
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
      ready.push(whenReady(child, `local agent ${i}`, log, readyTimeoutMs));
    }
    return new LocalAgents(
      children,
      Promise.all(ready).then(() => undefined),
    );
  }
}

/** Resolves when the agent says over IPC that its worker listens; rejects when it exits first. */
function whenReady(child: ChildProcess, name: string, log: string, timeoutMs: number) {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} not ready within ${timeoutMs / 1000} s (log ${log})`)),
      timeoutMs,
    );
    child.on('message', (m) => {
      if (m === 'ready') {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready (log ${log})`));
    });
  });
}

/** The agent processes of one attempt. */
export class LocalAgents {
  constructor(
    private readonly children: ChildProcess[],
    /**
     * Resolves once every agent listens; rejects when one exits first or is late (the caller
     * stops them). Await it: a part timeout must not run while eight agents are still loading.
     */
    readonly ready: Promise<void>,
  ) {
    // Awaited by the caller; this keeps a rejection after stop() from being unhandled.
    ready.catch(() => undefined);
  }

  /** Process ids of the agents started (running or not). */
  get pids(): number[] {
    return this.children.flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
  }

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

/**
 * The environment without the coordinator's API token and its `$SYS` probe's password (agents,
 * and their logs, never see them).
 */
function withoutApiToken(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const rest = { ...env };
  delete rest.COORDINATOR_API_TOKEN;
  delete rest.COORDINATOR_API_TOKEN_FILE;
  delete rest.MQTT_MONITOR_PASSWORD;
  delete rest.MQTT_MONITOR_PASSWORD_FILE;
  return rest;
}
