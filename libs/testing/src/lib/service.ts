import type { GenericContainer, StartedTestContainer } from 'testcontainers';
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
  const container = await startingImage(image, () =>
    configure(image).withStartupTimeout(60_000).start(),
  );
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
