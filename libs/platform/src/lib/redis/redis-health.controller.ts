import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { redisHealth } from './redis-health';

/** The client {@link RedisHealthController} pings; an app binds it to its own (`useExisting`). */
export const HEALTH_REDIS = Symbol('HEALTH_REDIS');

/**
 * `GET /health` of an app whose work comes through Redis (the agent's partitions, the
 * coordinator's dispatch): healthy while that Redis answers. Needs `TerminusModule`.
 */
@Controller()
export class RedisHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(HEALTH_REDIS) private readonly redis: Redis,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => redisHealth(this.indicator, this.redis)]);
  }
}
