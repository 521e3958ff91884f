import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import Redis from 'ioredis';
import { redisHealth } from '@sousvide/platform';
import { AGENT_REDIS } from './worker/worker.constants';

/** Ops endpoint: healthy while Redis (where partitions come from) answers. */
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(AGENT_REDIS) private readonly redis: Redis,
  ) {}

  @Get('health')
  @HealthCheck()
  check() {
    return this.health.check([() => redisHealth(this.indicator, this.redis)]);
  }
}
