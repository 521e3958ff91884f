import type { Redis } from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';

/**
 * Rate-limits fail-safe commands per device across every gateway instance: whoever sets the
 * device's marker first (SET NX PX) sends the command; everyone else within the cooldown skips.
 */
export class FailsafeGate {
  /** @param gatewayId stored as the marker's value, so an operator can see who claimed it. */
  constructor(
    private readonly redis: Redis,
    private readonly gatewayId: string,
  ) {}

  /**
   * True only for the first caller within `cooldownMs` for this device (any instance). The
   * marker expires on its own, so a crashed claimer never blocks the device beyond the cooldown.
   * Rejects when Redis fails: whether to send anyway is the caller's policy, not the gate's.
   */
  async tryAcquire(deviceId: string, cooldownMs: number): Promise<boolean> {
    // Redis rejects PX 0 or a fraction with a generic syntax error; name the bad argument instead.
    if (!Number.isSafeInteger(cooldownMs) || cooldownMs <= 0) {
      throw new RangeError(
        `FailsafeGate: cooldownMs must be a positive integer, got ${cooldownMs}`,
      );
    }
    const res = await this.redis.set(
      INGEST_KEYS.failsafe(deviceId),
      this.gatewayId,
      'PX',
      cooldownMs,
      'NX',
    );
    return res === 'OK';
  }
}
