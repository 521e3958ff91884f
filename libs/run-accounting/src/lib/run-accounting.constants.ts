/**
 * Redis keys of a run's accounting: written by the gateways (and the replayer's
 * `replayed_total`), read by the coordinator and the chaos runner.
 */
export const RUN_KEYS = {
  /** Hash of BUSINESS_COUNTERS for one run, summed over every gateway instance (HINCRBY). */
  runCounters: (runId: string): string => `ingest:run:${runId}:counters`,
  /**
   * Hash of latency histogram buckets (field = bucket index, see LatencyHistogram) plus the
   * fields `count`, `sumUs`, `minUs` and `maxUs`: payload ts -> pipeline completion.
   */
  runLatency: (runId: string): string => `ingest:run:${runId}:latency`,
  /**
   * Hash of per-device sequence state (field = deviceId, value see DeviceSequence): which devices
   * lost, duplicated or reordered messages (ADR 0020).
   */
  runDevices: (runId: string): string => `ingest:run:${runId}:devices`,
  /** SET NX EX marker: this counter delta (by its id) was applied; a resend is a no-op. */
  counterDelta: (deltaId: string): string => `ingest:delta:${deltaId}`,
} as const;

/** How long per-run counters live: long enough to summarise and compare runs. */
export const RUN_KEYS_TTL_SEC = 14 * 86400;
