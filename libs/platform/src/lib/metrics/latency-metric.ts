import type { Registry } from 'prom-client';
import { LatencyHistogram } from '@sousvide/shared-util';

const BUCKETS_SEC = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30,
];

/** Histograms still being filled elsewhere (a running partition's), read at each scrape. */
export type LiveHistograms = () => Iterable<readonly [label: string, h: LatencyHistogram]>;

/**
 * A Prometheus histogram (optionally one per label value) fed with whole LatencyHistograms, once
 * per batch, instead of one `observe` per message: at tens of thousands of messages a second the
 * per-message calls cost a visible share of the gateway's CPU. Rendered at scrape time, as what
 * was `add`ed plus whatever `live` holds then (so work in progress shows without a copy per
 * message and without counting twice once it is `add`ed at its end).
 */
export class LatencyMetric {
  private readonly byLabel = new Map<string, LatencyHistogram>();

  constructor(
    registry: Registry,
    private readonly name: string,
    private readonly help: string,
    private readonly labelName?: string,
    private readonly live?: LiveHistograms,
  ) {
    registry.registerMetric({
      name,
      help,
      type: 'histogram',
      get: () => this.render(),
    } as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  add(h: LatencyHistogram | undefined, label = ''): void {
    if (!h || h.count === 0) {
      return;
    }
    let mine = this.byLabel.get(label);
    if (!mine) {
      mine = new LatencyHistogram();
      this.byLabel.set(label, mine);
    }
    mine.merge(h);
  }

  private current(): Map<string, LatencyHistogram> {
    const live = [...(this.live?.() ?? [])].filter(([, h]) => h.count > 0);
    if (live.length === 0) {
      return this.byLabel;
    }
    const all = new Map<string, LatencyHistogram>();
    for (const [label, h] of [...this.byLabel, ...live]) {
      const sum = all.get(label) ?? new LatencyHistogram();
      sum.merge(h);
      all.set(label, sum);
    }
    return all;
  }

  private render() {
    const values: { metricName: string; labels: Record<string, string | number>; value: number }[] =
      [];
    for (const [label, h] of this.current()) {
      const base = this.labelName ? { [this.labelName]: label } : {};
      const counts = h.cumulativeAtMs(BUCKETS_SEC.map((s) => s * 1000));
      BUCKETS_SEC.forEach((le, i) => {
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...base, le },
          value: counts[i] ?? 0,
        });
      });
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...base, le: '+Inf' },
        value: h.count,
      });
      values.push({ metricName: `${this.name}_sum`, labels: base, value: h.sumMs / 1000 });
      values.push({ metricName: `${this.name}_count`, labels: base, value: h.count });
    }
    return { name: this.name, help: this.help, type: 'histogram', values, aggregator: 'sum' };
  }
}
