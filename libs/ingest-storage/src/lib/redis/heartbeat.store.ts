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
   * Records a batch of sightings in one pipeline (one round trip) with one ZADD per entry, so a
   * bad entry (e.g. a non-finite ts) fails alone instead of failing its neighbours. A ZADD GT
   * that leaves an older score in place is still `ok`: the heartbeat is stored as well as it can be.
   * Never rejects: when the whole pipeline fails (connection down, timeout) every entry is failed.
   */
  async touch(entries: readonly HeartbeatEntry[]): Promise<HeartbeatTouchResult> {
    if (entries.length === 0) {
      return { ok: [], failed: [] };
    }
    const pipeline = this.redis.pipeline();
    for (const { deviceId, ts } of entries) {
      pipeline.zadd(INGEST_KEYS.heartbeat, 'GT', ts, deviceId);
    }
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (err) {
      return failAll(entries, errorMessage(err));
    }
    // exec() resolves null only when the pipeline was discarded; treat it as a whole failure.
    if (results === null) {
      return failAll(entries, 'pipeline discarded');
    }
    const out: HeartbeatTouchResult = { ok: [], failed: [] };
    entries.forEach(({ deviceId }, i) => {
      const err = results[i]?.[0];
      if (err) {
        out.failed.push({ deviceId, error: errorMessage(err) });
      } else {
        out.ok.push(deviceId);
      }
    });
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

function failAll(entries: readonly HeartbeatEntry[], error: string): HeartbeatTouchResult {
  return { ok: [], failed: entries.map(({ deviceId }) => ({ deviceId, error })) };
}
