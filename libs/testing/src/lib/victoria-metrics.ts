import { GenericContainer, Wait } from 'testcontainers';
import { startService, type StartedService } from './service';

/** url: http://host:port (Prometheus-compatible API under /api/v1, import under /api/v1/import) */
export type VictoriaMetricsService = StartedService;

/** Starts a throwaway single-node VictoriaMetrics from VICTORIA_IMAGE (default official v1.102.0). */
export function startVictoriaMetrics(): Promise<VictoriaMetricsService> {
  // Both images listen on :8428 with their default command, so none is set here.
  return startService('VICTORIA_IMAGE', 'http', 8428, (image) =>
    new GenericContainer(image)
      .withExposedPorts(8428)
      .withWaitStrategy(Wait.forHttp('/health', 8428).forStatusCode(200)),
  );
}
