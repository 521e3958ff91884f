import { Registry } from 'prom-client';
import { registerDlqDepth } from './dlq-depth-metric';

describe('registerDlqDepth', () => {
  it('reports the DLQ depth by state at scrape time, and nothing while Redis does not answer', async () => {
    const registry = new Registry();
    let counts: Promise<Record<string, number>> = Promise.resolve({ waiting: 3, failed: 1 });
    registerDlqDepth(registry, { counts: () => counts });

    const first = await registry.metrics();
    expect(first).toContain('ingest_dlq_depth{state="waiting"} 3');
    expect(first).toContain('ingest_dlq_depth{state="failed"} 1');

    counts = Promise.reject(new Error('Connection is closed.'));
    counts.catch(() => undefined);
    const down = await registry.metrics();
    expect(down).not.toMatch(/^ingest_dlq_depth\{/m);
  });
});
