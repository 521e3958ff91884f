import { Registry } from 'prom-client';
import { registerDlqDepth } from './dlq-depth-metric';

const series = (text: string): string[] =>
  text.split('\n').filter((l) => /^ingest_dlq_depth\{/.test(l));

describe('registerDlqDepth', () => {
  it('reports the DLQ depth by state at scrape time', async () => {
    const registry = new Registry();
    registerDlqDepth(registry, { counts: () => Promise.resolve({ waiting: 3, failed: 1 }) });
    expect(series(await registry.metrics())).toEqual([
      'ingest_dlq_depth{state="waiting"} 3',
      'ingest_dlq_depth{state="failed"} 1',
    ]);
  });

  it('answers the scrape while Redis stalls: the last count while it is recent, then nothing', async () => {
    const registry = new Registry();
    let clock = 1000;
    let counts: () => Promise<Record<string, number>> = () => Promise.resolve({ waiting: 5 });
    registerDlqDepth(
      registry,
      { counts: () => counts() },
      { waitMs: 20, staleMs: 5000, now: () => clock },
    );
    expect(series(await registry.metrics())).toEqual(['ingest_dlq_depth{state="waiting"} 5']);

    counts = () => new Promise(() => undefined); // a stalled Redis never answers
    clock += 1000;
    expect(series(await registry.metrics())).toEqual(['ingest_dlq_depth{state="waiting"} 5']);
    clock += 10_000;
    expect(series(await registry.metrics())).toEqual([]);
  });

  it('leaves the depth out when Redis refuses', async () => {
    const registry = new Registry();
    registerDlqDepth(registry, {
      counts: () => Promise.reject(new Error('Connection is closed.')),
    });
    expect(series(await registry.metrics())).toEqual([]);
  });
});
