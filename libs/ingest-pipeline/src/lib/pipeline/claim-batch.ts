import type { ClaimOutcome, IdempotencyStore } from '@sousvide/idempotency';
import type { RedisCircuit } from '../circuit/redis-circuit';
import type { ParsedMessage } from './parsed-message';

/** Claims are taken here; they are committed or released with the run counters (RunLedger). */
export type Claims = Pick<IdempotencyStore, 'claim' | 'release'>;
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
