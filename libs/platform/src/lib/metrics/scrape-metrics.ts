import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry with the Node process metrics every app exports alike: CPU, memory, handles, GC and
 * the event loop's delay (`nodejs_eventloop_lag_*`, sampled every 10 ms by monitorEventLoopDelay).
 */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 10 });
  return registry;
}

/** A single figure, or nothing to export now (no series rather than a made-up 0). */
export type Figure = () => number | undefined;
/** Figures by label value, read at scrape time; a value not returned is not exported. */
export type Readout = () => Iterable<readonly [labelValue: string, value: number]>;

/** registry, name, help, read, and the label name when `read` returns pairs. */
type ScrapeArgs = [
  registry: Registry,
  name: string,
  help: string,
  read: Figure | Readout,
  labelName?: string,
];

/**
 * A gauge read when scraped: `read` returns a number (or undefined: no series), or pairs of
 * (label value, number) when `labelName` is given. State held elsewhere needs no second copy
 * kept in step with it. (prom-client's own Gauge always shows an unlabelled series, as 0.)
 */
export const scrapeGauge = (...args: ScrapeArgs): void => scrapeMetric('gauge', ...args);

/**
 * A counter read when scraped, from totals that only grow (what finished plus what runs), so
 * Prometheus' rate() sees the increments between scrapes and no per-event call is paid.
 */
export const scrapeCounter = (...args: ScrapeArgs): void => scrapeMetric('counter', ...args);

function scrapeMetric(
  type: 'gauge' | 'counter',
  ...[registry, name, help, read, labelName]: ScrapeArgs
): void {
  const values = (): { labels: Record<string, string>; value: number }[] => {
    if (!labelName) {
      const value = (read as Figure)();
      return value === undefined ? [] : [{ labels: {}, value }];
    }
    return [...(read as Readout)()].map(([v, value]) => ({ labels: { [labelName]: v }, value }));
  };
  registry.registerMetric({
    name,
    help,
    type,
    get: () => ({ name, help, type, values: values(), aggregator: 'sum' }),
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}
