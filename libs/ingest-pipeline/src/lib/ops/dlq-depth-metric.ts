import { Gauge, type Registry } from 'prom-client';
import type { DlqProducer } from '@sousvide/ingest-storage';
import { withTimeout } from '@sousvide/shared-util';

/** A scrape must not hang on a stalled Redis: after this the depth is left out of that scrape. */
const COUNT_TIMEOUT_MS = 1000;

/** Nest token of the gauge (nothing injects it: providing it registers it). */
export const DLQ_DEPTH_GAUGE = Symbol('DLQ_DEPTH_GAUGE');

/**
 * The DLQ's depth on /metrics (`ingest_dlq_depth{state}`), read from Redis at scrape time: a
 * growing DLQ is what an operator alerts on, and it is shared by every instance, so each reports
 * the same figure. When Redis does not answer, the series are absent from that scrape (unknown),
 * never a stale or zero figure.
 */
export function registerDlqDepth(registry: Registry, dlq: Pick<DlqProducer, 'counts'>): Gauge {
  return new Gauge({
    name: 'ingest_dlq_depth',
    help: 'entries in the shared DLQ by job state (absent when Redis did not answer)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        const counts = await withTimeout(dlq.counts(), COUNT_TIMEOUT_MS, 'DLQ depth');
        for (const [state, n] of Object.entries(counts)) {
          this.set({ state }, n);
        }
      } catch {
        // Left out: see above.
      }
    },
  });
}
