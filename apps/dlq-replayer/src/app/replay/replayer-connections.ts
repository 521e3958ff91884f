import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { InfluxWriter } from '@sousvide/ingest-storage';
import { REPLAYER_DLQ_QUEUE, REPLAYER_REDIS } from '../config/env.schema';

/**
 * Closes what the module opened when main closes the context: Influx writes drain first, then the
 * queue, then the Redis client the queue borrowed (BullMQ never closes a client it was handed).
 */
@Injectable()
export class ReplayerConnections implements OnApplicationShutdown {
  constructor(
    private readonly influx: InfluxWriter,
    @Inject(REPLAYER_DLQ_QUEUE) private readonly queue: Queue,
    @Inject(REPLAYER_REDIS) private readonly redis: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.influx.close();
    await this.queue.close().catch(() => undefined);
    // QUIT lets pending replies arrive; when Redis is gone it is refused, so drop the socket.
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
