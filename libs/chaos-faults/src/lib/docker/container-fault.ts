import { pauseRetrying } from '@sousvide/shared-util';
import type { FaultInjector } from '../fault-injector';
import { FaultTargetError } from '../fault-target.error';
import { DockerCli, type ContainerState } from './docker-cli';

/** stop: `docker stop`, lifted by `docker start`; pause: freeze/unfreeze; restart: one restart. */
export type ContainerFaultKind = 'stop' | 'pause' | 'restart';

export interface ContainerFaultOptions {
  /** Container name or id. */
  container: string;
  kind: ContainerFaultKind;
  /** Default: a {@link DockerCli} with its defaults. */
  docker?: Pick<DockerCli, 'run' | 'inspectState'>;
  /** Seconds `docker stop`/`docker restart` wait for a clean exit before SIGKILL. Default 10. */
  stopGraceSec?: number;
  /** How long `lift()` waits for the container to run again (and be healthy). Default 60000. */
  readyTimeoutMs?: number;
  /** Poll interval of that wait. Default 250. */
  pollMs?: number;
  /** Waits between polls; tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock for the ready deadline. Default Date.now. */
  now?: () => number;
}

/**
 * A container fault through the docker CLI. `lift()` acts on the container's observed state, not
 * on what this object did: it unpauses a paused container, starts a stopped one, and then waits
 * until it runs (and, when it has a healthcheck, is healthy). So lifting is idempotent, safe
 * without a prior inject, and also repairs a container whose restart left it stopped.
 */
export class ContainerFault implements FaultInjector {
  readonly description: string;
  private readonly docker: Pick<DockerCli, 'run' | 'inspectState'>;
  private readonly grace: string;
  private readonly readyTimeoutMs: number;
  private readonly pollMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: ContainerFaultOptions) {
    this.description = `${options.kind} container ${options.container}`;
    this.docker = options.docker ?? new DockerCli();
    this.grace = String(options.stopGraceSec ?? 10);
    this.readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.pollMs = options.pollMs ?? 250;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.now = options.now ?? Date.now;
  }

  /** Throws {@link FaultTargetError} naming the container when it does not exist. */
  async verify(): Promise<void> {
    await this.existingState();
  }

  async inject(): Promise<void> {
    const { container, kind } = this.options;
    await this.existingState();
    switch (kind) {
      case 'stop':
        await this.docker.run(['stop', '--time', this.grace, container]);
        return;
      case 'pause':
        await pauseRetrying(
          () => this.docker.run(['pause', container]),
          async () => (await this.existingState()).paused,
          this.sleep,
        );
        return;
      case 'restart':
        await this.docker.run(['restart', '--time', this.grace, container]);
        return;
    }
  }

  async lift(): Promise<void> {
    const { container } = this.options;
    const state = await this.existingState();
    if (state.paused) {
      await this.docker.run(['unpause', container]);
    } else if (!state.running && state.status !== 'restarting') {
      await this.docker.run(['start', container]);
    }
    await this.waitReady();
  }

  private async existingState(): Promise<ContainerState> {
    const state = await this.docker.inspectState(this.options.container);
    if (!state) {
      throw new FaultTargetError(
        'FAULT_TARGET_NOT_FOUND',
        `container "${this.options.container}" does not exist (docker inspect found no such container)`,
      );
    }
    return state;
  }

  /** Polls (bounded by readyTimeoutMs) until the container runs unpaused and is not unhealthy. */
  private async waitReady(): Promise<void> {
    const deadline = this.now() + this.readyTimeoutMs;
    for (;;) {
      const state = await this.existingState();
      if (isReady(state)) {
        return;
      }
      if (this.now() >= deadline) {
        throw new Error(
          `container "${this.options.container}" is not ready ${this.readyTimeoutMs} ms after ` +
            `lifting "${this.description}" (status ${state.status}` +
            `${state.health ? `, health ${state.health}` : ''})`,
        );
      }
      await this.sleep(this.pollMs);
    }
  }
}

function isReady(state: ContainerState): boolean {
  return (
    state.running && !state.paused && (state.health === undefined || state.health === 'healthy')
  );
}
