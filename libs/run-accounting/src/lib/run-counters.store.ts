import type { Redis } from 'ioredis';
import { BUSINESS_COUNTERS, type BusinessCounts } from '@sousvide/loadtest-contracts';
import { LatencyHistogram, type HistogramJson } from '@sousvide/shared-util';
import {
  diffSnapshots,
  LATENCY_FIELDS,
  snapshotFromHashes,
  type IngestSnapshot,
} from './ingest-snapshot';
import { RUN_KEYS, RUN_KEYS_TTL_SEC } from './run-accounting.constants';

/**
 * Applies one counter delta atomically: HINCRBY on the counters hash, the histogram buckets and
 * sums, a server-side max/min for the latency extremes, TTLs. With a delta id, a marker key
 * (SET NX EX) makes the delta apply at most once: a client that timed out on a stalled Redis
 * whose command still ran later, and so sends the same delta again, does not count it twice.
 * ARGV: runTtl, markerTtl, nCounters, (field, n)*, nLatency, (field, n)*, maxUs, minUs.
 */
const APPLY_DELTA_LUA = `
if KEYS[3] ~= '' and not redis.call('SET', KEYS[3], '1', 'NX', 'EX', ARGV[2]) then
  return 0
end
local i = 4
local nc = tonumber(ARGV[3])
for _ = 1, nc do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  i = i + 2
end
if nc > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local nl = tonumber(ARGV[i])
i = i + 1
for _ = 1, nl do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
  i = i + 2
end
if nl > 0 then
  local maxUs, minUs = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  local curMax = redis.call('HGET', KEYS[2], 'maxUs')
  if curMax == false or maxUs > tonumber(curMax) then redis.call('HSET', KEYS[2], 'maxUs', maxUs) end
  local curMin = redis.call('HGET', KEYS[2], 'minUs')
  if curMin == false or minUs < tonumber(curMin) then redis.call('HSET', KEYS[2], 'minUs', minUs) end
  redis.call('EXPIRE', KEYS[2], ARGV[1])
end
return 1`;

/** Versioned so a changed script never collides with an older definition on a shared client. */
const APPLY_DELTA = 'ingestApplyDeltaV1';

/** How long an applied delta id is remembered: far longer than any client retry. */
const DELTA_MARKER_TTL_SEC = 3600;

type WithApplyDelta = Record<
  typeof APPLY_DELTA,
  (k1: string, k2: string, k3: string, ...args: (string | number)[]) => Promise<number>
>;

/**
 * Per-run business counters and latency histogram, summed in Redis over every gateway instance.
 * All updates are commutative (HINCRBY, server-side max/min), so concurrent writers aggregate
 * exactly without coordination.
 */
export class RunCounters {
  constructor(private readonly redis: Redis) {
    if (!(APPLY_DELTA in redis)) {
      redis.defineCommand(APPLY_DELTA, { numberOfKeys: 3, lua: APPLY_DELTA_LUA });
    }
  }

  /**
   * Adds counter deltas (zeros skipped) and a latency histogram to a run in one atomic script, so
   * a failure never leaves counters and histogram half-applied, and refreshes both keys' TTL.
   * With `deltaId`, sending the same delta again is a no-op (see APPLY_DELTA_LUA). Rejects when
   * Redis fails; the caller decides whether to retry the same delta (with the same id).
   * Resolves false when the delta had already been applied.
   */
  async add(
    runId: string,
    delta: Partial<BusinessCounts>,
    latency?: LatencyHistogram | HistogramJson,
    deltaId?: string,
  ): Promise<boolean> {
    const counters: (string | number)[] = [];
    for (const c of BUSINESS_COUNTERS) {
      const n = delta[c] ?? 0;
      if (n !== 0) {
        counters.push(c, requireInt(c, n));
      }
    }
    const json = latency instanceof LatencyHistogram ? latency.toJSON() : latency;
    const hist: (string | number)[] = [];
    if (json && json.count > 0) {
      for (const [bucket, n] of Object.entries(json.buckets)) {
        if (n !== 0) {
          hist.push(bucket, requireInt(`bucket ${bucket}`, n));
        }
      }
      hist.push(LATENCY_FIELDS.count, requireInt('count', json.count));
      hist.push(LATENCY_FIELDS.sumUs, requireInt('sumUs', json.sumUs));
    }
    if (counters.length === 0 && hist.length === 0) {
      return true;
    }
    const applied = await (this.redis as unknown as WithApplyDelta)[APPLY_DELTA](
      RUN_KEYS.runCounters(runId),
      RUN_KEYS.runLatency(runId),
      deltaId ? RUN_KEYS.counterDelta(deltaId) : '',
      RUN_KEYS_TTL_SEC,
      DELTA_MARKER_TTL_SEC,
      counters.length / 2,
      ...counters,
      hist.length / 2,
      ...hist,
      ...(hist.length > 0 ? [json?.maxUs ?? 0, json?.minUs ?? 0] : []),
    );
    return applied === 1;
  }

  /** Both hashes of a run, read in one MULTI so counters and histogram are the same instant. */
  async read(runId: string): Promise<IngestSnapshot> {
    const results = await this.redis
      .multi()
      .hgetall(RUN_KEYS.runCounters(runId))
      .hgetall(RUN_KEYS.runLatency(runId))
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

/**
 * HINCRBY only takes integers; Redis would reject a fraction inside APPLY_DELTA_LUA, after the
 * script's earlier commands (and the delta id's marker) had applied: a script is not rolled back.
 * So reject it before anything is sent.
 */
function requireInt(what: string, n: number): number {
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`RunCounters: ${what} must be an integer, got ${n}`);
  }
  return n;
}
