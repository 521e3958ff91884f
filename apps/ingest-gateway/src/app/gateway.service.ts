import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { IngestService } from '@sousvide/ingest-pipeline';
import { GATEWAY_ENV, type GatewayEnv } from './config/env.schema';
import { MqttControlPublisher } from './mqtt/control-publisher';
import { SessionAdopter } from './mqtt/session-adopter';
import { TelemetryConsumers } from './mqtt/telemetry-consumers';

/** What closing takes after the drain (UNSUBACKs, DISCONNECTs, the last counters): kept free. */
const CLOSE_RESERVE_MS = 4000;

/**
 * The order of start and stop. Start: this GATEWAY_ID claimed in Redis, then the consumers. On
 * SIGTERM the gateway stops taking at once (reading paused, UNSUBSCRIBE), finishes what it holds
 * until the shutdown deadline, leaves the rest unacknowledged in its kept broker sessions (the
 * broker redelivers it to this id, or a surviving gateway adopts them), and gives up its id. The
 * stores close after this, in their modules.
 */
@Injectable()
export class GatewayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(GatewayService.name);

  constructor(
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
    private readonly consumers: TelemetryConsumers,
    private readonly control: MqttControlPublisher,
    private readonly adopter: SessionAdopter,
    private readonly ingest: IngestService,
  ) {}

  get mqttConnected(): boolean {
    return this.consumers.connected;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ingest.start();
    this.control.start();
    await this.consumers.start();
    if (this.env.INGEST_ADOPT_SESSIONS === 'on') {
      this.adopter.start();
    }
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
    const deadline = Date.now() + this.env.INGEST_SHUTDOWN_DEADLINE_MS;
    this.consumers.stopTaking();
    this.logger.log({ signal, ...this.ingest.held }, 'stopped taking; finishing what is held');
    await this.adopter.stop();
    const finished = await this.ingest.drain(deadline - CLOSE_RESERVE_MS);
    const closed = await this.consumers.close();
    // What the connections read while closing: QoS 1 was released, QoS 0 is finished here.
    await this.ingest.drain(deadline - CLOSE_RESERVE_MS / 2);
    await this.control.close();
    await this.ingest.close();
    this.logger.log(
      {
        finished,
        leftUnacked: closed.reduce((n, c) => n + c.unacked, 0),
        ...this.consumers.stats(),
      },
      finished ? 'drained and closed' : 'deadline reached: the rest stays with the broker',
    );
  }
}
