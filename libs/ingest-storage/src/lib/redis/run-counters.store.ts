import type { ChainableCommander, Redis } from 'ioredis';
import {
  BUSINESS_COUNTERS,
  INGEST_KEYS,
  INGEST_RUN_TTL_SEC,
  diffSnapshots,
  LATENCY_FIELDS,
  LatencyHistogram,
  snapshotFromHashes,
  type IngestSnapshot,
  type BusinessCounts,
  type HistogramJson,
} from '@sousvide/loadtest-contracts';

/**
 * HSET only when the value beats the stored one (or none is stored). HINCRBY cannot express a
 * max, and a read-then-write from the client would lose updates between gateway instances; a
 * script runs atomically on the server.
 */
const HSET_EXTREME_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
local v = tonumber(ARGV[2])
if cur == false or (ARGV[3] == 'max' and v > tonumber(cur)) or (ARGV[3] == 'min' and v < tonumber(cur)) then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
  return 1
end
return 0`;

/** Versioned so a changed script never collides with an older definition on a shared client. */
const HSET_EXTREME = 'ingestHsetExtremeV1';

/** The shape defineCommand adds; ioredis' types cannot know about runtime-defined commands. */
type WithHsetExtreme = Record<
  typeof HSET_EXTREME,
  (key: string, field: string, value: number, mode: 'max' | 'min') => unknown
>;

/**
 * Per-run business counters and latency histogram, summed in Redis over every gateway instance.
 * All updates are commutative (HINCRBY, server-side max/min), so concurrent writers aggregate
 * exactly without coordination.
 */
export class RunCounters {
  constructor(private readonly redis: Redis) {
    if (!(HSET_EXTREME in redis)) {
      redis.defineCommand(HSET_EXTREME, { numberOfKeys: 1, lua: HSET_EXTREME_LUA });
    }
  }

  /**
   * Adds counter deltas (zeros skipped) and a latency histogram to a run in one MULTI, so a
   * failure never leaves counters and histogram half-applied, and refreshes both keys' TTL.
   * Rejects when Redis fails; the caller decides whether to retry the same delta.
   */
  async add(
    runId: string,
    delta: Partial<BusinessCounts>,
    latency?: LatencyHistogram | HistogramJson,
  ): Promise<void> {
    const multi = this.redis.multi();
    const countersKey = INGEST_KEYS.runCounters(runId);
    const latencyKey = INGEST_KEYS.runLatency(runId);
    let touched = false;
    for (const c of BUSINESS_COUNTERS) {
      const n = delta[c] ?? 0;
      if (n !== 0) {
        multi.hincrby(countersKey, c, requireInt(c, n));
        touched = true;
      }
    }
    if (touched) {
      multi.expire(countersKey, INGEST_RUN_TTL_SEC);
    }
    const json = latency instanceof LatencyHistogram ? latency.toJSON() : latency;
    if (json && json.count > 0) {
      addHistogram(multi, latencyKey, json);
      touched = true;
    }
    if (!touched) {
      return;
    }
    // EXEC runs every queued command even when one fails at run time; surface the first error.
    const results = await multi.exec();
    const failed = results?.find(([err]) => err !== null);
    if (failed?.[0]) {
      throw failed[0];
    }
  }

  /** Both hashes of a run, read in one MULTI so counters and histogram are the same instant. */
  async read(runId: string): Promise<IngestSnapshot> {
    const results = await this.redis
      .multi()
      .hgetall(INGEST_KEYS.runCounters(runId))
      .hgetall(INGEST_KEYS.runLatency(runId))
      .exec();
    const [counters, latency] = (results ?? []).map(([err, value]) => {
      if (err) {
        throw err;
      }
      return value as Record<string, string>;
    });
    return snapshotFromHashes(counters ?? {}, latency ?? {});
  }

  /** `after - before` of two {@link read}s, e.g. what one attempt added (see diffSnapshots). */
  static diff(after: IngestSnapshot, before: IngestSnapshot): IngestSnapshot {
    return diffSnapshots(after, before);
  }
}

function addHistogram(multi: ChainableCommander, key: string, json: HistogramJson): void {
  for (const [bucket, n] of Object.entries(json.buckets)) {
    if (n !== 0) {
      multi.hincrby(key, bucket, requireInt(`bucket ${bucket}`, n));
    }
  }
  multi.hincrby(key, LATENCY_FIELDS.count, requireInt('count', json.count));
  multi.hincrby(key, LATENCY_FIELDS.sumUs, requireInt('sumUs', json.sumUs));
  const scripted = multi as unknown as WithHsetExtreme;
  scripted[HSET_EXTREME](key, LATENCY_FIELDS.maxUs, json.maxUs, 'max');
  scripted[HSET_EXTREME](key, LATENCY_FIELDS.minUs, json.minUs, 'min');
  multi.expire(key, INGEST_RUN_TTL_SEC);
}

/**
 * HINCRBY only takes integers; Redis would reject a fraction at EXEC time, after the other
 * commands of the MULTI had already applied, so reject it before anything is sent.
 */
function requireInt(what: string, n: number): number {
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`RunCounters: ${what} must be an integer, got ${n}`);
  }
  return n;
}
