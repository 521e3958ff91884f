import { BatchAccounting } from '../pipeline/batch-accounting';
import { IngestMetrics } from './ingest-metrics';

/** A batch of `fresh` new messages and `copies` duplicates of one run. */
function batch(fresh: number, copies: number): BatchAccounting {
  const acc = new BatchAccounting('gw-test');
  acc.count('run-1', 'recv_total', fresh);
  acc.count('run-1', 'duplicate_total', copies);
  return acc;
}

const line = (text: string, name: string): string | undefined =>
  text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));

describe('IngestMetrics batch sizes', () => {
  it('counts each processed batch once with its messages, new and duplicate', async () => {
    const metrics = new IngestMetrics();
    metrics.recordBatch(batch(3, 0));
    metrics.recordBatch(batch(1, 1));
    metrics.recordBatch(batch(40, 0));
    const text = await metrics.registry.metrics();
    expect(line(text, 'ingest_batch_messages_count')).toBe('ingest_batch_messages_count 3');
    expect(line(text, 'ingest_batch_messages_sum')).toBe('ingest_batch_messages_sum 45');
    expect(text).toContain('ingest_batch_messages_bucket{le="2"} 1');
    expect(text).toContain('ingest_batch_messages_bucket{le="5"} 2');
    expect(text).toContain('ingest_batch_messages_bucket{le="50"} 3');
  });
});
