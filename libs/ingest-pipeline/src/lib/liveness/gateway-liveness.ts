import type { Redis } from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';

/** This process as the other gateways see it: its GATEWAY_ID and this start of it. */
export interface GatewayInstance {
  gatewayId: string;
  incarnation: string;
  /** Broker sessions it keeps (`<gatewayId>-<index>`), registered for adoption; 0 = none. */
  sessions?: number;
}

/** How often the liveness key is renewed, and how long it lives without renewal. */
export const LIVENESS = { refreshMs: 1000, ttlMs: 5000 } as const;

/**
 * Tells every gateway that this process is the live one under its GATEWAY_ID: a key holding its
 * incarnation, renewed every second, expiring 5 s after the last renewal. A survivor that finds it
 * gone adopts the dead process's broker sessions (ADR 0015); a restart under the same id
 * overwrites it.
 */
export class GatewayLiveness {
  private timer?: NodeJS.Timeout;
  private held?: () => { unacked: number; spoolEntries: number };

  constructor(
    private readonly redis: Redis,
    readonly instance: GatewayInstance,
    private readonly log: (obj: Record<string, unknown>, msg: string) => void,
  ) {}

  private get key(): string {
    return INGEST_KEYS.gatewayAlive(this.instance.gatewayId);
  }

  /** What this process holds, published with each renewal (INGEST_KEYS.gatewayHeld). */
  reportHeld(held: () => { unacked: number; spoolEntries: number }): void {
    this.held = held;
  }

  /** Writes the key now (the boot waits for it) and renews it every second. */
  async start(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => {
      this.renew().catch((err: unknown) =>
        this.log({ err: (err as Error).message }, 'gateway liveness not renewed'),
      );
    }, LIVENESS.refreshMs);
    this.timer.unref();
  }

  /** Stops renewing and removes the key if it is still ours: this process is gone. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const { incarnation } = this.instance;
    await this.redis
      .eval(
        "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0",
        1,
        this.key,
        incarnation,
      )
      .catch(() => undefined);
    await this.redis.hdel(INGEST_KEYS.gatewayHeld, this.instance.gatewayId).catch(() => undefined);
  }

  /**
   * The key, and the registration of this id's broker sessions: a gateway that finds the key gone
   * drains them (ADR 0015). Renewed together so an adopter that removed the registration of a dead
   * id cannot leave a live one unregistered.
   */
  private async renew(): Promise<void> {
    const { gatewayId, incarnation, sessions = 0 } = this.instance;
    const tx = this.redis.multi().set(this.key, incarnation, 'PX', LIVENESS.ttlMs);
    if (sessions > 0) {
      tx.hset(INGEST_KEYS.gatewaySessions, gatewayId, sessions);
    }
    const held = this.held?.();
    if (held) {
      tx.hset(
        INGEST_KEYS.gatewayHeld,
        gatewayId,
        `${held.unacked} ${held.spoolEntries} ${Date.now()}`,
      );
    }
    const failed = (await tx.exec())?.find(([err]) => err !== null)?.[0];
    if (failed) {
      throw failed;
    }
  }
}
