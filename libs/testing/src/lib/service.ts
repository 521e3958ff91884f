import { randomUUID } from 'node:crypto';
import {
  getContainerRuntimeClient,
  type GenericContainer,
  type StartedTestContainer,
} from 'testcontainers';
import { ensureImage, resolveImage, startingImage, type ImageVar } from './images';

/** A started service container and where to reach it. */
export interface StartedService {
  /** `<scheme>://host:port` */
  url: string;
  host: string;
  port: number;
  container: StartedTestContainer;
  stop(): Promise<void>;
}

/**
 * Starts the image named by `variable` as `configure` sets it up (ports, command, wait strategy)
 * and reports the host port mapped to `servicePort`: the steps every service of the harness
 * shares, so a missing image and a failing start read the same for all of them.
 */
export async function startService(
  variable: ImageVar,
  scheme: string,
  servicePort: number,
  configure: (image: string) => GenericContainer,
): Promise<StartedService> {
  const image = resolveImage(variable);
  await ensureImage(variable, image);
  const container = await startingImage(image, () => startContainer(image, configure));
  const host = container.getHost();
  const port = container.getMappedPort(servicePort);
  return {
    url: `${scheme}://${host}:${port}`,
    host,
    port,
    container,
    stop: async () => {
      await container.stop();
    },
  };
}

/**
 * testcontainers gives dockerd a fixed 10 s to publish a started container's ports (not
 * configurable in v11). Under a busy dockerd (two suites starting containers at once, the compose
 * job, a kept-busy core) that has run out while the container was fine. That one failure is
 * retried once, after removing the container it left running; any other failure, or the same
 * one twice, is the error.
 */
const PORTS_NOT_BOUND = /waiting for container ports to be bound/;
const START_LABEL = 'sousvide.test-start';

/** Starts the configured container; on the ports timeout once more (see above). */
export async function startContainer(
  image: string,
  configure: (image: string) => GenericContainer,
  removeLeft: (attempt: string) => Promise<void> = removeLeftover,
  mayRetry = true,
): Promise<StartedTestContainer> {
  const attempt = randomUUID();
  try {
    return await configure(image)
      .withLabels({ [START_LABEL]: attempt })
      .withStartupTimeout(60_000)
      .start();
  } catch (err) {
    if (!mayRetry || !PORTS_NOT_BOUND.test(err instanceof Error ? err.message : String(err))) {
      throw err;
    }
    console.warn(`${image}: dockerd did not publish the ports within 10 s; starting it once more`);
    await removeLeft(attempt);
    return startContainer(image, configure, removeLeft, false);
  }
}

/** Removes (with force) the container one start attempt left running. */
async function removeLeftover(attempt: string): Promise<void> {
  const client = await getContainerRuntimeClient();
  const left = await client.container.fetchByLabel(START_LABEL, attempt);
  if (left) {
    // Still running: removed with force (a dockerode container).
    await left.remove({ force: true, v: true }).catch(() => undefined);
  }
}
