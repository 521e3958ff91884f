import type { ChainableCommander, Redis } from 'ioredis';
import {
  BUSINESS_COUNTERS,
  type BusinessCounts,
  type IngestStage,
} from '@sousvide/loadtest-contracts';
import { LatencyHistogram, type HistogramJson } from '@sousvide/shared-util';
import {
  diffSnapshots,
  LATENCY_FIELDS,
  snapshotFromHashes,
  stageField,
  type IngestSnapshot,
} from './ingest-snapshot';
import { RUN_KEYS, RUN_KEYS_TTL_SEC } from './run-accounting.constants';

/**
 * Applies one counter delta atomically: HINCRBY on the counters hash and on the histogram hash
 * (the e2e latency and each stage's, see `stageField`), server-side max/min for the extremes,
 * TTLs. With a delta id, a marker key (SET NX EX) makes the delta apply at most once: a client
 * that timed out on a stalled Redis whose command still ran later, and so sends the same delta
 * again, does not count it twice.
 * ARGV: runTtl, markerTtl, nCounters, (field, n)*, nHist, (field, n)*, nMax, (field, us)*,
 * nMin, (field, us)*.
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
local nmax = tonumber(ARGV[i])
i = i + 1
for _ = 1, nmax do
  local cur = redis.call('HGET', KEYS[2], ARGV[i])
  if cur == false or tonumber(ARGV[i + 1]) > tonumber(cur) then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
local nmin = tonumber(ARGV[i])
i = i + 1
for _ = 1, nmin do
  local cur = redis.call('HGET', KEYS[2], ARGV[i])
  if cur == false or tonumber(ARGV[i + 1]) < tonumber(cur) then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1]) end
  i = i + 2
end
if nl > 0 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return 1`;

/** Versioned so a changed script never collides with an older definition on a shared client. */
const APPLY_DELTA = 'ingestApplyDeltaV2';

/** The delta script, for a caller that composes scripts (the gateway's batch script, ADR 0025). */
export const APPLY_DELTA_SCRIPT = {
  name: APPLY_DELTA,
  lua: APPLY_DELTA_LUA,
  numberOfKeys: 3,
} as const;

/** How long an applied delta id is remembered: far longer than any client retry. */
const DELTA_MARKER_TTL_SEC = 3600;

type DeltaArgs = [string, string, string, ...(string | number)[]];
type WithApplyDelta<R> = Record<typeof APPLY_DELTA, (...args: DeltaArgs) => R>;

/** Histograms of where a run's messages spent their time, by stage. */
export type StageHistograms = Partial<Record<IngestStage, LatencyHistogram | HistogramJson>>;

/** One delta of a run: counters, the e2e latency, the stages, and its id (applied once). */
export interface RunDelta {
  counts: Partial<BusinessCounts>;
  latency?: LatencyHistogram | HistogramJson;
  stages?: StageHistograms;
  deltaId?: string;
}

/**
 * Per-run business counters, e2e latency and stage histograms, summed in Redis over every gateway
 * instance. All updates are commutative (HINCRBY, server-side max/min), so concurrent writers
 * aggregate exactly without coordination.
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
    const args = deltaArgs(runId, { counts: delta, latency, deltaId });
    if (!args) {
      return true;
    }
    const applied = await (this.redis as unknown as WithApplyDelta<Promise<number>>)[APPLY_DELTA](
      ...args,
    );
    return applied === 1;
  }

  /**
   * The same delta queued on the caller's transaction (MULTI), so it applies together with what
   * else the transaction holds (the gateway records its stored messages in it): all or nothing.
   */
  addIn(tx: ChainableCommander, runId: string, delta: RunDelta): void {
    const args = deltaArgs(runId, delta);
    if (args) {
      (tx as unknown as WithApplyDelta<ChainableCommander>)[APPLY_DELTA](...args);
    }
  }

  /** Both hashes of a run, read in one MULTI so counters and histograms are the same instant. */
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

/** The script's arguments for one delta; undefined when it changes nothing. */
function deltaArgs(runId: string, d: RunDelta): DeltaArgs | undefined {
  const counters: (string | number)[] = [];
  for (const c of BUSINESS_COUNTERS) {
    const n = d.counts[c] ?? 0;
    if (n !== 0) {
      counters.push(c, requireInt(c, n));
    }
  }
  const hist: (string | number)[] = [];
  const max: (string | number)[] = [];
  const min: (string | number)[] = [];
  const histogram = (h: LatencyHistogram | HistogramJson | undefined, name = ''): void => {
    const json = h instanceof LatencyHistogram ? h.toJSON() : h;
    if (!json || json.count === 0) {
      return;
    }
    const field = (f: string): string => (name === '' ? f : stageField(name, f));
    for (const [bucket, n] of Object.entries(json.buckets)) {
      if (n !== 0) {
        hist.push(field(bucket), requireInt(`bucket ${bucket}`, n));
      }
    }
    hist.push(field(LATENCY_FIELDS.count), requireInt('count', json.count));
    hist.push(field(LATENCY_FIELDS.sumUs), requireInt('sumUs', json.sumUs));
    max.push(field(LATENCY_FIELDS.maxUs), json.maxUs);
    min.push(field(LATENCY_FIELDS.minUs), json.minUs);
  };
  histogram(d.latency);
  for (const [stage, h] of Object.entries(d.stages ?? {})) {
    histogram(h, stage);
  }
  if (counters.length === 0 && hist.length === 0) {
    return undefined;
  }
  return [
    RUN_KEYS.runCounters(runId),
    RUN_KEYS.runLatency(runId),
    d.deltaId ? RUN_KEYS.counterDelta(d.deltaId) : '',
    RUN_KEYS_TTL_SEC,
    DELTA_MARKER_TTL_SEC,
    counters.length / 2,
    ...counters,
    hist.length / 2,
    ...hist,
    max.length / 2,
    ...max,
    min.length / 2,
    ...min,
  ];
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
