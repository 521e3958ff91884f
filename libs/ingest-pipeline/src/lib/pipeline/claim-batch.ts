import type { ClaimOutcome, IdempotencyStore } from '@sousvide/idempotency';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { RedisCircuit } from '../circuit/redis-circuit';
import type { ParsedMessage } from './parsed-message';

export type Claims = Pick<IdempotencyStore, 'claim' | 'commit' | 'release'>;
type Circuit = Pick<RedisCircuit, 'allow' | 'succeeded' | 'failed'>;
type Log = (obj: Record<string, unknown>, msg: string) => void;

/**
 * Claims every parsed message (ADR 0005); undefined when the store is unreachable or known down,
 * and then nothing is deduplicated: storing twice is harmless, waiting on a dead Redis is not.
 */
export async function claimBatch(
  parsed: readonly ParsedMessage[],
  claims: Claims,
  circuit: Circuit | undefined,
  log: Log,
): Promise<ClaimOutcome[] | undefined> {
  if (parsed.length === 0) {
    return [];
  }
  if (circuit && !circuit.allow()) {
    return undefined;
  }
  try {
    const outcomes = await claims.claim(parsed.map((p) => p.msg));
    circuit?.succeeded();
    return outcomes;
  } catch (err) {
    circuit?.failed();
    log(
      { messages: parsed.length, err: (err as Error).message },
      'idempotency store unreachable: storing without the duplicate check',
    );
    return undefined;
  }
}

/**
 * Commits what was stored and releases the claims of what failed, so a redelivery of a failed
 * message is stored. Both expire on their own, so a failure here only costs a later duplicate.
 */
export async function settleClaims(
  stored: readonly TelemetryV1[],
  failed: readonly TelemetryV1[],
  claims: Claims,
  log: Log,
): Promise<void> {
  await Promise.all([
    claims.commit([...stored]).catch((err: unknown) => {
      // The claims expire, so a redelivery stores these again: harmless, Influx overwrites.
      log({ messages: stored.length, err: (err as Error).message }, 'idempotency commit failed');
    }),
    claims.release([...failed]).catch(() => undefined),
  ]);
}
