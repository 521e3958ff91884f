import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { INGEST_REDIS } from '@sousvide/ingest-pipeline';
import { redisHealth } from '@sousvide/platform';
import { GatewayService } from '../gateway.service';

/** Ops port: /health (Redis and the broker connections); /metrics is platform's MetricsController. */
@Controller()
export class OpsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(INGEST_REDIS) private readonly redis: Redis,
    private readonly gateway: GatewayService,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([
      () => redisHealth(this.indicator, this.redis),
      () => {
        const mqtt = this.indicator.check('mqtt');
        return this.gateway.mqttConnected
          ? mqtt.up()
          : mqtt.down({ message: 'not connected to the broker' });
      },
    ]);
  }
}
