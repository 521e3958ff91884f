import type { ChainableCommander, Redis } from 'ioredis';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import { errorMessage } from './error-message.util';

/** One device sighting: the payload `ts` (epoch ms) of its latest message. */
export interface HeartbeatEntry {
  deviceId: string;
  ts: number;
}

/** Per-entry outcome of {@link HeartbeatStore.touch}, so the caller can count and DLQ each one. */
export interface HeartbeatTouchResult {
  ok: string[];
  failed: { deviceId: string; error: string }[];
}

/** The oldest Redis the heartbeat runs on (`ZADD ... GT`, 6.2); a process that records heartbeats checks it at boot. */
export const HEARTBEAT_MIN_REDIS = '6.2';

/**
 * Device last-seen times in one sorted set (deviceId -> ts ms), shared by every gateway instance.
 * Writes use `ZADD GT`, so a late or replayed message never moves last-seen backwards.
 */
export class HeartbeatStore {
  constructor(private readonly redis: Redis) {}

  /**
   * Records a batch of sightings with one `ZADD GT` (one command, one round trip): per batch the
   * client encodes and Redis parses one command instead of one per message, which was the
   * gateway's largest Redis cost in its CPU profile (docs/benchmarks.md). An entry whose ts is
   * not a finite number is failed alone, here, with Redis' own wording (it would refuse the whole
   * command); the same device twice in a batch is sent once with its latest ts. A ZADD GT that
   * leaves an older score in place is still `ok`: the heartbeat is stored as well as it can be.
   * Never rejects: when the command fails (connection down, timeout) every entry is failed.
   */
  async touch(entries: readonly HeartbeatEntry[]): Promise<HeartbeatTouchResult> {
    const { out, args } = zaddPlan(entries);
    if (args.length === 0) {
      return out;
    }
    try {
      await this.redis.zadd(INGEST_KEYS.heartbeat, 'GT', ...args);
    } catch (err) {
      const error = errorMessage(err);
      return {
        ok: [],
        failed: [...out.failed, ...out.ok.map((deviceId) => ({ deviceId, error }))],
      };
    }
    return out;
  }

  /**
   * The same `ZADD GT` queued on the caller's transaction (the gateway's batch script, ADR 0025):
   * it applies or fails with the rest of it. Returns the entries failed here (a ts that is not a
   * finite number); the others are recorded when the transaction is.
   */
  touchIn(tx: ChainableCommander, entries: readonly HeartbeatEntry[]): HeartbeatTouchResult {
    const { out, args } = zaddPlan(entries);
    if (args.length > 0) {
      tx.zadd(INGEST_KEYS.heartbeat, 'GT', ...args);
    }
    return out;
  }

  /** Last-seen ts (ms) per device; devices never seen are absent from the map. */
  async lastSeen(deviceIds: readonly string[]): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    // ZMSCORE with no members is a Redis syntax error, not an empty answer.
    if (deviceIds.length === 0) {
      return seen;
    }
    const scores = await this.redis.zmscore(INGEST_KEYS.heartbeat, ...deviceIds);
    deviceIds.forEach((id, i) => {
      const score = scores[i];
      if (score !== null && score !== undefined) {
        seen.set(id, Number(score));
      }
    });
    return seen;
  }

  /** Number of devices ever seen (ZCARD). */
  count(): Promise<number> {
    return this.redis.zcard(INGEST_KEYS.heartbeat);
  }
}

/**
 * The ZADD GT arguments (score, member)* of a batch: one per device with its latest ts. An entry
 * whose ts is not a finite number is failed alone, with Redis' own wording (Redis would refuse
 * the whole command).
 */
function zaddPlan(entries: readonly HeartbeatEntry[]): {
  out: HeartbeatTouchResult;
  args: (string | number)[];
} {
  const out: HeartbeatTouchResult = { ok: [], failed: [] };
  const latest = new Map<string, number>();
  for (const { deviceId, ts } of entries) {
    const refused = heartbeatRefusal(ts);
    if (refused !== undefined) {
      out.failed.push({ deviceId, error: refused });
      continue;
    }
    out.ok.push(deviceId);
    const seen = latest.get(deviceId);
    if (seen === undefined || ts > seen) {
      latest.set(deviceId, ts);
    }
  }
  const args: (string | number)[] = [];
  for (const [deviceId, ts] of latest) {
    args.push(ts, deviceId);
  }
  return { out, args };
}

/** Why a heartbeat with this ts would be refused (Redis' wording); undefined when it would not. */
export function heartbeatRefusal(ts: number): string | undefined {
  return Number.isFinite(ts) ? undefined : NOT_A_FLOAT;
}

/** What Redis answers to a ZADD score that is not a float; kept so callers see one wording. */
const NOT_A_FLOAT = 'ERR value is not a valid float';
