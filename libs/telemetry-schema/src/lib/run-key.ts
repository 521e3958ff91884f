/** Name of the integer field that carries {@link runKey} in every stored telemetry point. */
export const RUN_KEY_FIELD = 'runKey';

const FNV_PRIME = 0x01000193;

/** 32-bit FNV-1a over the UTF-16 code units of `text`, from the given offset basis. */
function fnv1a32(text: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/**
 * A run id as a 53-bit integer, stored as a field rather than a tag: a tag value makes a new
 * series per device and field, and a run id never repeats, so every run would create
 * devices x fields series (ADR 0015). As a field it is just a value in each device's existing
 * series, and a run's points are still countable: the points whose `runKey` field equals this
 * number. 53 bits is what a float64 store (VictoriaMetrics) keeps exactly; two independent
 * 32-bit hashes make a collision between two run ids a 1 in 2^53 event.
 */
export function runKey(runId: string): number {
  const high = fnv1a32(runId, 0x811c9dc5) & 0x1fffff;
  const low = fnv1a32(runId, 0x050c5d1f);
  return high * 2 ** 32 + low;
}
