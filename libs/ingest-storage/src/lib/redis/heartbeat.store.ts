import type { Redis } from 'ioredis';
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
    const out: HeartbeatTouchResult = { ok: [], failed: [] };
    const latest = new Map<string, number>();
    for (const { deviceId, ts } of entries) {
      if (!Number.isFinite(ts)) {
        out.failed.push({ deviceId, error: NOT_A_FLOAT });
        continue;
      }
      out.ok.push(deviceId);
      const seen = latest.get(deviceId);
      if (seen === undefined || ts > seen) {
        latest.set(deviceId, ts);
      }
    }
    if (latest.size === 0) {
      return out;
    }
    const args: (string | number)[] = [];
    for (const [deviceId, ts] of latest) {
      args.push(ts, deviceId);
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

/** What Redis answers to a ZADD score that is not a float; kept so callers see one wording. */
const NOT_A_FLOAT = 'ERR value is not a valid float';
