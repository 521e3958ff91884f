import { FaultTargetError } from '../fault-target.error';
import { ContainerFault, type ContainerFaultKind } from './container-fault';
import type { ContainerState, DockerCli } from './docker-cli';

/** A docker CLI double that keeps one container's state and records the commands. */
class FakeDocker implements Pick<DockerCli, 'run' | 'inspectState'> {
  readonly commands: string[] = [];
  constructor(public state: ContainerState | undefined) {}

  run(args: readonly string[]): Promise<string> {
    this.commands.push(args.filter((a) => !a.startsWith('--') && !/^\d+$/.test(a)).join(' '));
    const s = this.state as ContainerState;
    switch (args[0]) {
      case 'stop':
        this.state = { ...s, status: 'exited', running: false };
        break;
      case 'start':
      case 'restart':
        this.state = { ...s, status: 'running', running: true };
        break;
      case 'pause':
        this.state = { ...s, status: 'paused', paused: true };
        break;
      case 'unpause':
        this.state = { ...s, status: 'running', paused: false };
        break;
    }
    return Promise.resolve('');
  }

  inspectState(): Promise<ContainerState | undefined> {
    return Promise.resolve(this.state && { ...this.state });
  }
}

const RUNNING: ContainerState = { status: 'running', running: true, paused: false };

function fault(docker: FakeDocker, kind: ContainerFaultKind, extra = {}): ContainerFault {
  return new ContainerFault({
    container: 'sousvide-redis',
    kind,
    docker,
    sleep: () => Promise.resolve(),
    ...extra,
  });
}

describe('ContainerFault', () => {
  it.each([
    ['stop', ['stop sousvide-redis', 'start sousvide-redis']],
    ['pause', ['pause sousvide-redis', 'unpause sousvide-redis']],
    ['restart', ['restart sousvide-redis']],
  ] as const)('%s: inject and lift issue the right commands', async (kind, commands) => {
    const docker = new FakeDocker(RUNNING);
    const f = fault(docker, kind);
    await f.inject();
    await f.lift();
    expect(docker.commands).toEqual(commands);
    expect(docker.state).toEqual(RUNNING);
    expect(f.description).toBe(`${kind} container sousvide-redis`);
  });

  it('pauses again when the cgroup freeze timed out, and fails at once on other errors', async () => {
    const docker = new FakeDocker(RUNNING);
    const run = docker.run.bind(docker);
    let freezeFailures = 2;
    docker.run = (args) => {
      if (args[0] === 'pause' && freezeFailures-- > 0) {
        docker.commands.push('pause (failed)');
        return Promise.reject(new Error('OCI runtime pause failed: unable to freeze: unknown'));
      }
      return run(args);
    };
    await fault(docker, 'pause').inject();
    expect(docker.commands).toEqual(['pause (failed)', 'pause (failed)', 'pause sousvide-redis']);
    expect(docker.state?.paused).toBe(true);

    const stuck = new FakeDocker(RUNNING);
    stuck.run = () => Promise.reject(new Error('permission denied'));
    await expect(fault(stuck, 'pause').inject()).rejects.toThrow('permission denied');
  });

  it('takes a failed pause that left the container paused as done', async () => {
    const docker = new FakeDocker(RUNNING);
    docker.run = () => {
      docker.state = { ...RUNNING, status: 'paused', paused: true };
      return Promise.reject(new Error('unable to freeze'));
    };
    await expect(fault(docker, 'pause').inject()).resolves.toBeUndefined();
  });

  it('lift is a no-op on a running container, however often it is called', async () => {
    const docker = new FakeDocker(RUNNING);
    const f = fault(docker, 'stop');
    await f.lift();
    await f.inject();
    await f.lift();
    await f.lift();
    expect(docker.commands).toEqual(['stop sousvide-redis', 'start sousvide-redis']);
  });

  it('names a missing container in a FaultTargetError, from verify, inject and lift', async () => {
    const f = fault(new FakeDocker(undefined), 'pause');
    for (const call of [() => f.verify(), () => f.inject(), () => f.lift()]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FaultTargetError);
      expect(error).toMatchObject({ code: 'FAULT_TARGET_NOT_FOUND' });
      expect((error as Error).message).toContain('"sousvide-redis"');
    }
  });

  it('lift waits for a healthcheck to pass, and gives up after readyTimeoutMs', async () => {
    const docker = new FakeDocker({ ...RUNNING, health: 'starting' });
    let now = 0;
    let polls = 0;
    const f = fault(docker, 'restart', {
      readyTimeoutMs: 1000,
      pollMs: 100,
      now: () => now,
      sleep: (ms: number) => {
        now += ms;
        if (++polls === 3) {
          docker.state = { ...RUNNING, health: 'healthy' };
        }
        return Promise.resolve();
      },
    });
    await f.lift();
    expect(polls).toBe(3);

    docker.state = { ...RUNNING, health: 'unhealthy' };
    await expect(f.lift()).rejects.toThrow(/not ready 1000 ms .*health unhealthy/);
  });
});
