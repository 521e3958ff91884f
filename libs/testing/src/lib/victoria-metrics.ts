import { GenericContainer, StartedTestContainer, Wait } from 'testcontainers';
import { ensureImage, resolveImage, startingImage } from './images';

export interface VictoriaMetricsService {
  /** http://host:port (Prometheus-compatible API under /api/v1, import under /api/v1/import) */
  url: string;
  host: string;
  port: number;
  container: StartedTestContainer;
  stop(): Promise<void>;
}

/** Starts a throwaway single-node VictoriaMetrics from VICTORIA_IMAGE (default official v1.102.0). */
export async function startVictoriaMetrics(): Promise<VictoriaMetricsService> {
  const image = resolveImage('VICTORIA_IMAGE');
  await ensureImage('VICTORIA_IMAGE', image);
  // Both images listen on :8428 with their default command, so none is set here.
  const container = await startingImage(image, () =>
    new GenericContainer(image)
      .withExposedPorts(8428)
      .withWaitStrategy(Wait.forHttp('/health', 8428).forStatusCode(200))
      .withStartupTimeout(60_000)
      .start(),
  );
  const host = container.getHost();
  const port = container.getMappedPort(8428);
  return {
    url: `http://${host}:${port}`,
    host,
    port,
    container,
    stop: async () => {
      await container.stop();
    },
  };
}
