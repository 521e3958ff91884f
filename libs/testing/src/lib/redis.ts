import { join } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, Wait } from 'testcontainers';
import { freePort, pauseRetrying } from '@sousvide/shared-util';
import { startService, type StartedService } from './service';

/** url: redis://host:port */
export interface RedisService extends StartedService {
  /** Freezes the server (docker pause): connections stay open but nothing answers, like a stalled Redis. */
  pause(): Promise<void>;
  unpause(): Promise<void>;
}

export interface RedisOptions {
  /**
   * Publish 6379 on a fixed free host port instead of a random one: Docker picks a new random port
   * on every `docker start`, so tests that stop and start the container need a fixed one.
   */
  fixedHostPort?: boolean;
  /**
   * Require this ACL user (all keys, channels and commands) and turn the passwordless `default`
   * user off, as a secured Redis is run: clients must AUTH as it (REDIS_USERNAME/REDIS_PASSWORD).
   */
  acl?: { username: string; password: string };
  /**
   * Serve TLS only (url `rediss://`), with `ca.crt`, `server.crt` and `server.key` from this
   * directory (tools/security/make-certs.sh's output).
   */
  tlsDir?: string;
}

/** Where the TLS material goes in the container. */
const TLS_DIR = '/sousvide-tls';

/** The server's arguments: the image's defaults, plus the ACL user and TLS when asked for. */
function redisCommand(options: RedisOptions): string[] | undefined {
  const { acl, tlsDir } = options;
  if (acl === undefined && tlsDir === undefined) {
    return undefined;
  }
  return [
    ...['redis-server', '--bind', '0.0.0.0', '--protected-mode', 'no'],
    ...['--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
    ...(acl === undefined
      ? []
      : [
          ...['--user', 'default', 'off'],
          ...['--user', acl.username, 'on', `>${acl.password}`, '~*', '&*', '+@all'],
        ]),
    ...(tlsDir === undefined
      ? []
      : [
          // TLS only, on the usual port: a client without TLS gets nothing.
          ...['--port', '0', '--tls-port', '6379', '--tls-auth-clients', 'no'],
          ...[
            '--tls-cert-file',
            `${TLS_DIR}/server.crt`,
            '--tls-key-file',
            `${TLS_DIR}/server.key`,
          ],
          ...['--tls-ca-cert-file', `${TLS_DIR}/ca.crt`],
        ]),
  ];
}

/** Starts a throwaway Redis from REDIS_IMAGE (default redis:7). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisService> {
  const exposed = options.fixedHostPort ? { container: 6379, host: await freePort() } : 6379;
  const command = redisCommand(options);
  const tlsDir = options.tlsDir;
  const scheme = tlsDir === undefined ? 'redis' : 'rediss';
  const service = await startService('REDIS_IMAGE', scheme, 6379, (image) => {
    let container = new GenericContainer(image)
      .withExposedPorts(exposed)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'));
    if (tlsDir !== undefined) {
      // Readable by the redis user the official image drops to; a throwaway key.
      container = container.withCopyFilesToContainer(
        ['ca.crt', 'server.crt', 'server.key'].map((name) => ({
          source: join(tlsDir, name),
          target: `${TLS_DIR}/${name}`,
          mode: 0o644,
        })),
      );
    }
    return command ? container.withCommand(command) : container;
  });
  // StartedTestContainer has no pause(); go through the runtime's dockerode handle.
  const docker = async () =>
    (await getContainerRuntimeClient()).container.getById(service.container.getId());
  return {
    ...service,
    // Tried again when the cgroup freeze timed out on a busy host, as the chaos tool's pause is.
    pause: async () => {
      const c = await docker();
      await pauseRetrying(
        () => c.pause(),
        async () => (await c.inspect()).State.Paused,
      );
    },
    unpause: async () => {
      await (await docker()).unpause();
    },
  };
}
