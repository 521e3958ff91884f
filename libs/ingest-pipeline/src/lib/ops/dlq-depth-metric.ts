import { Gauge, type Registry } from 'prom-client';
import type { DlqProducer } from '@sousvide/ingest-storage';
import { withTimeout } from '@sousvide/shared-util';

/** Nest token of the gauge (nothing injects it: providing it registers it). */
export const DLQ_DEPTH_GAUGE = Symbol('DLQ_DEPTH_GAUGE');

export interface DlqDepthOptions {
  /** How long a scrape waits for a fresh count (never longer: /metrics must answer in a stall). */
  waitMs?: number;
  /** How old the last count may be and still be shown; older, the series are left out. */
  staleMs?: number;
  now?: () => number;
}

/**
 * The DLQ's depth on /metrics (`ingest_dlq_depth{state}`): a growing DLQ is what an operator
 * alerts on, and only Redis knows it (shared by every instance, so each reports the same figure).
 * Each scrape starts one count and waits for it at most `waitMs` (250), showing the last count
 * instead when it is slower; a count older than `staleMs` (10 s: Redis has not answered since)
 * is left out, never shown as a stale or zero figure. A scrape never hangs on a stalled Redis.
 */
export function registerDlqDepth(
  registry: Registry,
  dlq: Pick<DlqProducer, 'counts'>,
  o: DlqDepthOptions = {},
): Gauge {
  const waitMs = o.waitMs ?? 250;
  const staleMs = o.staleMs ?? 10_000;
  const now = o.now ?? Date.now;
  let last: { at: number; counts: Record<string, number> } | undefined;
  let inFlight: Promise<void> | undefined;
  const refresh = (): Promise<void> =>
    // Bounded too, so one count lost in a stall never blocks the later ones; in the background,
    // so a count left running after its scrape does not hold a stopping process open.
    (inFlight ??= withTimeout(dlq.counts(), staleMs, 'DLQ depth', { background: true })
      .then((counts) => void (last = { at: now(), counts }))
      .catch(() => undefined)
      .finally(() => (inFlight = undefined)));
  return new Gauge({
    name: 'ingest_dlq_depth',
    help: 'entries in the shared DLQ by job state (absent when Redis has not answered lately)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        refresh(),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
      ]);
      clearTimeout(timer);
      this.reset();
      if (last && now() - last.at <= staleMs) {
        for (const [state, n] of Object.entries(last.counts)) {
          this.set({ state }, n);
        }
      }
    },
  });
}
