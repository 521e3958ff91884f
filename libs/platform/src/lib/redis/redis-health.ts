import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';

/** Terminus indicator `redis`: up while PING answers, down with the error otherwise. */
export async function redisHealth(
  indicators: HealthIndicatorService,
  redis: Redis,
): Promise<HealthIndicatorResult> {
  const indicator = indicators.check('redis');
  try {
    await redis.ping();
    return indicator.up();
  } catch (err) {
    return indicator.down({ message: (err as Error).message });
  }
}
