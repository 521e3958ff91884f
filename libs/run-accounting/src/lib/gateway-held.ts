import type { Redis } from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';

/** What the live gateways held at their last heartbeat (INGEST_KEYS.gatewayHeld). */
export interface GatewaysHeld {
  /** Received and not yet acknowledged to the broker, summed over the live gateways. */
  unacked: number;
  /** Entries in their durable spools. */
  spoolEntries: number;
  /** Gateways whose report was fresh. */
  live: number;
  /** Reports older than `freshMs`: gateways that died or stopped (what they held is the broker's again). */
  stale: number;
}

/**
 * Sums the fresh reports. A report older than `freshMs` (the liveness TTL) is a gateway that is
 * gone: its unacknowledged deliveries went back to the broker, which the broker's figure counts.
 */
export function sumGatewaysHeld(
  hash: Record<string, string>,
  now: number,
  freshMs: number,
): GatewaysHeld {
  const out: GatewaysHeld = { unacked: 0, spoolEntries: 0, live: 0, stale: 0 };
  for (const raw of Object.values(hash)) {
    const [unacked, spool, at] = raw.split(' ').map(Number);
    if (![unacked, spool, at].every(Number.isFinite) || now - at > freshMs) {
      out.stale += 1;
      continue;
    }
    out.live += 1;
    out.unacked += unacked;
    out.spoolEntries += spool;
  }
  return out;
}

export async function readGatewaysHeld(redis: Redis, freshMs: number): Promise<GatewaysHeld> {
  return sumGatewaysHeld(await redis.hgetall(INGEST_KEYS.gatewayHeld), Date.now(), freshMs);
}
