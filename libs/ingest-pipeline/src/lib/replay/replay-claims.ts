import { hostname } from 'node:os';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { INGEST_REDIS } from '../ingest.tokens';
import { INGEST_KEYS } from '@sousvide/loadtest-contracts';
import { REPLAY_CLAIM_TTL_MS } from './replay.constants';

// Deletes the claim only if it is still ours (it may have expired and been taken by another).
const RELEASE_IF_OURS = `if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * Claims DLQ job ids with `SET replay:claim:<id> <owner> NX PX`, so two replayers started at once
 * never re-drive the same entry together. A claim is kept after a successful replay (it expires)
 * so a replayer that listed the job earlier sees it taken instead of re-writing it, and released
 * after a failure so the next replay can retry at once.
 */
@Injectable()
export class ReplayClaims {
  /** Host plus pid: pids alone can collide across machines. */
  private readonly owner = `${hostname()}:${process.pid}`;

  constructor(@Inject(INGEST_REDIS) private readonly redis: Redis) {}

  /** Claims the ids in one round trip; returns those this replayer now owns. */
  async claim(ids: readonly string[]): Promise<Set<string>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.set(INGEST_KEYS.replayClaim(id), this.owner, 'PX', REPLAY_CLAIM_TTL_MS, 'NX');
    }
    const results = (await pipeline.exec()) ?? [];
    return new Set(ids.filter((_, i) => results[i]?.[0] === null && results[i]?.[1] === 'OK'));
  }

  /** Best effort: an unreleased claim only delays the next replay of that entry by its TTL. */
  async release(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) {
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.eval(RELEASE_IF_OURS, 1, INGEST_KEYS.replayClaim(id), this.owner);
    }
    await pipeline.exec().catch(() => undefined);
  }
}
