import type { Redis } from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import { LIVENESS, type GatewayInstance } from '@sousvide/ingest-pipeline';
import { MqttConsumer, type Delivery } from '@sousvide/mqtt-consumer';
import { redactText } from '@sousvide/security';
import { GATEWAY_MAX_PACKET_BYTES } from '@sousvide/telemetry-schema';
import type { ConsumerSettings } from '../config/env.schema';

export interface SessionAdopterOptions {
  redis: Redis;
  self: GatewayInstance;
  consumer: ConsumerSettings;
  /** Where the drained deliveries go: the same pipeline, acknowledged once durable. */
  take: (deliveries: Delivery[]) => void;
  log: (obj: Record<string, unknown>, msg: string) => void;
  /** How often the registry is scanned. Default 2 s. */
  scanMs?: number;
  /** A session is done when nothing arrived and nothing is unacked for this long. Default 1 s. */
  quietMs?: number;
  /** Longest one adoption may take before it gives up (keeping what is left). Default 60 s. */
  maxDrainMs?: number;
}

/** Removes a registration only while its gateway is still dead (it may have come back). */
const FORGET_IF_DEAD = `
if redis.call('EXISTS', KEYS[2]) == 0 then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/**
 * Drains the broker sessions of gateways that died. Mosquitto 2.0.11 keeps routing a dead
 * member's share of the shared subscription to its session and drops all of it, with what the
 * member had not acknowledged, when the session expires (ADR 0013). A gateway whose liveness key
 * is gone for longer than its renewal could explain is dead: one survivor (a Redis lock) connects
 * under each of its client ids in drain mode, unsubscribes the share, feeds what the session held
 * through its own pipeline (acknowledged once durable), and ends the session once quiet
 * (ADR 0015). If the owner comes back meanwhile it takes its session over, and the drain stops.
 */
export class SessionAdopter {
  private timer?: NodeJS.Timeout;
  private adopting?: Promise<void>;
  private active: MqttConsumer[] = [];
  private stopped = false;
  /** Gateways first seen dead, and when. */
  private readonly suspects = new Map<string, number>();

  constructor(private readonly o: SessionAdopterOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      if (!this.adopting && !this.stopped) {
        this.adopting = this.scan()
          .catch((err: unknown) =>
            this.o.log({ err: (err as Error).message }, 'session adoption scan failed'),
          )
          .finally(() => (this.adopting = undefined));
      }
    }, this.o.scanMs ?? 2000);
    this.timer.unref();
  }

  /** Stops scanning; an adoption in progress ends keeping what its sessions still hold. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.active.forEach((c) => c.pause());
    await Promise.all(this.active.map((c) => c.close({ endSession: false })));
    await this.adopting;
  }

  private async scan(): Promise<void> {
    const sessions = await this.o.redis.hgetall(INGEST_KEYS.gatewaySessions);
    const now = Date.now();
    for (const [gatewayId, count] of Object.entries(sessions)) {
      if (gatewayId === this.o.self.gatewayId || this.stopped) {
        continue;
      }
      if ((await this.o.redis.exists(INGEST_KEYS.gatewayAlive(gatewayId))) === 1) {
        this.suspects.delete(gatewayId);
        continue;
      }
      // Dead for longer than a renewal could be late (a Redis blip, a restart setting its key).
      const since = this.suspects.get(gatewayId) ?? now;
      this.suspects.set(gatewayId, since);
      if (now - since < 2 * LIVENESS.refreshMs) {
        continue;
      }
      const maxDrainMs = this.o.maxDrainMs ?? 60_000;
      const lock = await this.o.redis.set(
        INGEST_KEYS.gatewayAdoption(gatewayId),
        this.o.self.gatewayId,
        'PX',
        maxDrainMs + 10_000,
        'NX',
      );
      if (lock === 'OK') {
        await this.adopt(gatewayId, Number(count), now + maxDrainMs);
        this.suspects.delete(gatewayId);
      }
    }
  }

  private async adopt(gatewayId: string, sessions: number, deadline: number): Promise<void> {
    const consumers = Array.from(
      { length: sessions },
      (_, i) =>
        new MqttConsumer({
          ...this.o.consumer.broker,
          clientId: `${gatewayId}-${i}`,
          topicFilter: this.o.consumer.topicFilter,
          receiveMaximum: this.o.consumer.receiveMaximum,
          maximumPacketSize: GATEWAY_MAX_PACKET_BYTES,
          mode: 'drain',
          onDeliveries: this.o.take,
        }),
    );
    this.active = consumers;
    try {
      const started = await Promise.allSettled(consumers.map((c) => c.start()));
      const refused = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (refused) {
        // The owner is back (it holds the session) or the broker is away: try again later.
        await Promise.all(consumers.map((c) => c.close({ endSession: false })));
        this.o.log(
          { gatewayId, err: redactText((refused.reason as Error).message) },
          'adoption not started',
        );
        return;
      }
      const resumed = consumers.filter((c) => c.sessionPresent);
      await Promise.all(resumed.map((c) => c.stopTaking()));
      const quiet = await this.untilQuiet(consumers, deadline);
      const results = await Promise.all(
        consumers.map((c) => c.close({ endSession: quiet && c.connected })),
      );
      const ended = results.every((r) => r.sessionEnded);
      const drained = consumers.reduce((n, c) => n + c.stats().delivered, 0);
      if (ended) {
        await this.o.redis.eval(
          FORGET_IF_DEAD,
          2,
          INGEST_KEYS.gatewaySessions,
          INGEST_KEYS.gatewayAlive(gatewayId),
          gatewayId,
        );
      }
      this.o.log(
        { gatewayId, sessions, resumed: resumed.length, drained, ended },
        ended ? 'adopted the sessions of a dead gateway' : 'adoption incomplete: sessions kept',
      );
    } finally {
      this.active = [];
      await this.o.redis.del(INGEST_KEYS.gatewayAdoption(gatewayId)).catch(() => undefined);
    }
  }

  /**
   * True once nothing arrived and nothing is unacknowledged for `quietMs` on every connection
   * still up (the broker then holds nothing more for these sessions); false at the deadline or
   * when a connection was taken back by its owner.
   */
  private async untilQuiet(consumers: MqttConsumer[], deadline: number): Promise<boolean> {
    const quietMs = this.o.quietMs ?? 1000;
    let last = -1;
    let since = Date.now();
    while (Date.now() < deadline && !this.stopped) {
      if (consumers.some((c) => !c.connected)) {
        return false;
      }
      const seen = consumers.reduce((n, c) => n + c.stats().delivered, 0);
      const unacked = consumers.reduce((n, c) => n + c.stats().unacked, 0);
      if (seen !== last || unacked > 0) {
        last = seen;
        since = Date.now();
      } else if (Date.now() - since >= quietMs) {
        return true;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }
}
