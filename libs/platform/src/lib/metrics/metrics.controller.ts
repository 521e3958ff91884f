import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { Registry } from 'prom-client';

/** The registry {@link MetricsController} serves; an app binds it to its own. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

/** `GET /metrics` on an app's ops port: its registry in Prometheus' text format. */
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}
