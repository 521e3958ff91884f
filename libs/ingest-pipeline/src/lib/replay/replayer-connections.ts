import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { REPLAYER_DLQ_QUEUE } from './replay.constants';

/**
 * Closes the DLQ queue when main closes the context. This module's hooks run before those of the
 * modules it imports, so the queue is closed before the storage module closes the Influx writer
 * and the Redis factory the client the queue borrowed (BullMQ never closes a client it is handed).
 */
@Injectable()
export class ReplayerConnections implements OnApplicationShutdown {
  constructor(@Inject(REPLAYER_DLQ_QUEUE) private readonly queue: Queue) {}

  async onApplicationShutdown(): Promise<void> {
    await this.queue.close().catch(() => undefined);
  }
}
