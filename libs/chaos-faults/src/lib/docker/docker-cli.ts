import { execFile } from 'node:child_process';
import { FaultTargetError } from '../fault-target.error';
import { DockerCommandError } from './docker-command.error';

/** What `docker inspect` says about a container's state (the fields faults act on). */
export interface ContainerState {
  /** created, running, paused, restarting, removing, exited or dead. */
  status: string;
  running: boolean;
  paused: boolean;
  /** The healthcheck's status (starting, healthy, unhealthy); absent without a healthcheck. */
  health?: string;
}

export interface DockerCliOptions {
  /** The docker binary. Default `docker` (from PATH). */
  binary?: string;
  /** Deadline of one CLI call, after which it is killed and fails. Default 30000. */
  timeoutMs?: number;
}

interface InspectedState {
  Status: string;
  Running: boolean;
  Paused: boolean;
  Health?: { Status: string };
}

/**
 * The docker CLI, one `execFile` per call under a deadline. The CLI rather than the Engine API:
 * it follows the user's docker context and DOCKER_HOST exactly like their own commands do, and
 * needs no socket path or client library (docs/adr/0008-chaos-fault-injection.md).
 */
export class DockerCli {
  private readonly binary: string;
  private readonly timeoutMs: number;

  constructor(options: DockerCliOptions = {}) {
    this.binary = options.binary ?? 'docker';
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Runs `docker <args>` and resolves with its trimmed stdout. */
  run(args: readonly string[], timeoutMs = this.timeoutMs): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.binary,
        args,
        { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024 },
        (error, stdout, stderr) => {
          if (!error) {
            resolve(stdout.trim());
            return;
          }
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') {
            reject(
              new FaultTargetError(
                'FAULT_TOOL_UNAVAILABLE',
                `the docker CLI ("${this.binary}") is not installed or not on PATH`,
                { cause: error },
              ),
            );
            return;
          }
          const reason = error.killed
            ? `timed out after ${timeoutMs} ms`
            : `failed (exit ${String(code)})`;
          reject(new DockerCommandError(args, stderr.trim(), reason, { cause: error }));
        },
      );
    });
  }

  /** The container's state, or undefined when no container has that name or id. */
  async inspectState(container: string): Promise<ContainerState | undefined> {
    let json: string;
    try {
      json = await this.run([
        'inspect',
        '--type',
        'container',
        '--format',
        '{{json .State}}',
        container,
      ]);
    } catch (error) {
      if (error instanceof DockerCommandError && /no such (object|container)/i.test(error.stderr)) {
        return undefined;
      }
      throw error;
    }
    const state = JSON.parse(json) as InspectedState;
    return {
      status: state.Status,
      running: state.Running,
      paused: state.Paused,
      ...(state.Health ? { health: state.Health.Status } : {}),
    };
  }
}
