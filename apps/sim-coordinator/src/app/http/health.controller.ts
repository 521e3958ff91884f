import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { redisHealth } from '@sousvide/platform';
import { COORDINATOR_REDIS } from '../config/env.schema';

/** Healthy while Redis, through which every partition is dispatched, answers. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(COORDINATOR_REDIS) private readonly redis: Redis,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => redisHealth(this.indicator, this.redis)]);
  }
}
