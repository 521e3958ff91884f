import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { IngestService } from '@sousvide/ingest-pipeline';
import { GATEWAY_ENV, type GatewayEnv } from './config/env.schema';
import { TelemetrySubscriber } from './mqtt/telemetry-subscriber';

/**
 * The order of start and stop: the pipeline runs before the first message arrives, and on
 * SIGTERM the gateway stops taking messages, finishes or dead-letters what it holds, then closes
 * its broker connections (ending their sessions). The stores close after this, in their modules.
 */
@Injectable()
export class GatewayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(GatewayService.name);

  constructor(
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
    private readonly subscriber: TelemetrySubscriber,
    private readonly ingest: IngestService,
  ) {}

  get mqttConnected(): boolean {
    return this.subscriber.connected;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.ingest.start();
    await this.subscriber.start();
    this.logger.log(
      {
        connections: this.env.INGEST_MQTT_CONNECTIONS,
        mode: this.env.INGEST_INFLUX_WRITE_MODE,
        id: this.env.GATEWAY_ID,
      },
      'ingest gateway subscribed',
    );
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log({ signal, buffered: this.ingest.buffered }, 'draining');
    await this.subscriber.stopTaking();
    await this.ingest.drain();
    await this.subscriber.close();
    await this.ingest.close();
    this.logger.log({}, 'drained and closed');
  }
}
