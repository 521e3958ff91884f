import Redis from 'ioredis';
import { startRedis, type RedisService } from '@sousvide/testing';
import { ContainerFault } from '../src/lib/docker/container-fault';
import { DockerCli } from '../src/lib/docker/docker-cli';
import { FaultTargetError } from '../src/lib/fault-target.error';
import { withFaultLifted } from '../src/lib/guard/fault-guard';

/** Pings until Redis answers (bounded): a restarted server takes a moment to accept again. */
async function pingWithin(url: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    const client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return await client.ping();
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      client.disconnect();
    }
  }
  throw new Error(`Redis at ${url} did not answer within ${ms} ms: ${String(last)}`);
}

describe('ContainerFault against a real Redis container (docker CLI)', () => {
  let redis: RedisService;
  let name: string;
  const docker = new DockerCli();

  beforeAll(async () => {
    // Fixed host port: docker start would otherwise publish Redis on a new one.
    redis = await startRedis({ fixedHostPort: true });
    name = redis.container.getName().replace(/^\//, '');
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('pause: a command on an open connection times out; lift: the same connection answers', async () => {
    const client = new Redis(redis.url, { commandTimeout: 500, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    try {
      expect(await client.ping()).toBe('PONG');
      const fault = new ContainerFault({ container: name, kind: 'pause', docker });
      await fault.verify();
      await fault.inject();
      expect((await docker.inspectState(name))?.paused).toBe(true);
      await expect(client.ping()).rejects.toThrow(/timed out/i);

      await fault.lift();
      await fault.lift(); // idempotent
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
  });

  it('stop: Redis refuses connections; lift starts it again on the same port', async () => {
    const fault = new ContainerFault({ container: name, kind: 'stop', docker, stopGraceSec: 1 });
    await fault.inject();
    expect(await docker.inspectState(name)).toMatchObject({ running: false, status: 'exited' });
    await expect(pingWithin(redis.url, 500)).rejects.toThrow(/did not answer/);

    await fault.lift();
    expect((await docker.inspectState(name))?.running).toBe(true);
    expect(await pingWithin(redis.url, 10_000)).toBe('PONG');
  });

  it('restart: the container restarts; lift waits until it runs', async () => {
    const before = await docker.run(['inspect', '--format', '{{.State.StartedAt}}', name]);
    const fault = new ContainerFault({ container: name, kind: 'restart', docker, stopGraceSec: 1 });
    await fault.inject();
    await fault.lift();
    expect(await docker.run(['inspect', '--format', '{{.State.StartedAt}}', name])).not.toBe(
      before,
    );
    expect(await pingWithin(redis.url, 10_000)).toBe('PONG');
  });

  it('withFaultLifted unpauses the container when the guarded work fails', async () => {
    const fault = new ContainerFault({ container: name, kind: 'pause', docker });
    await expect(
      withFaultLifted(fault, async () => {
        expect((await docker.inspectState(name))?.paused).toBe(true);
        throw new Error('scenario failed');
      }),
    ).rejects.toThrow('scenario failed');
    expect(await docker.inspectState(name)).toMatchObject({ running: true, paused: false });
  });

  it('a container that does not exist fails verify and inject with a FaultTargetError naming it', async () => {
    const fault = new ContainerFault({
      container: 'sousvide-no-such-container',
      kind: 'stop',
      docker,
    });
    for (const call of [() => fault.verify(), () => fault.inject()]) {
      const error = await call().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FaultTargetError);
      expect(error).toMatchObject({ code: 'FAULT_TARGET_NOT_FOUND' });
      expect((error as Error).message).toContain('"sousvide-no-such-container"');
    }
  });

  it('a missing docker binary is reported as FAULT_TOOL_UNAVAILABLE', async () => {
    const fault = new ContainerFault({
      container: name,
      kind: 'pause',
      docker: new DockerCli({ binary: '/nonexistent/docker' }),
    });
    await expect(fault.verify()).rejects.toMatchObject({ code: 'FAULT_TOOL_UNAVAILABLE' });
  });
});
