import { IngestBatcher } from './batching/ingest-batcher';
import type { BatchAccounting } from './pipeline/batch-accounting';
import type { RawMessage } from './pipeline/raw-message';
import { IngestService } from './ingest.service';

/**
 * IngestService's intake around its drain, with a real batcher and a process step that only
 * records what it was given; the other collaborators are inert.
 */
function service() {
  const processed: string[] = [];
  const settled: { topic: string; result: 'ack' | 'release' }[] = [];
  const batcher = new IngestBatcher<RawMessage, BatchAccounting>({
    maxBatch: 10,
    concurrency: 1,
    process: (batch) => {
      processed.push(...batch.map((m) => m.topic));
      return Promise.resolve({} as BatchAccounting);
    },
    settled: (batch, acc) => {
      batch.forEach((m) => (acc === undefined ? m.ack?.release() : m.ack?.ack()));
    },
    onError: () => undefined,
  });
  let released = 0;
  const inert = {} as never;
  const ingest = new IngestService(
    batcher,
    { check: () => undefined, flush: () => Promise.resolve() } as never,
    { parse: () => ({ ok: false }) } as never,
    inert,
    inert,
    inert,
    inert,
    { released: { inc: (n: number) => (released += n) } } as never,
    { stop: () => undefined } as never,
  );
  const message = (topic: string, qos: 0 | 1): RawMessage => ({
    topic,
    payload: Buffer.from('{}'),
    receivedAt: Date.now(),
    ...(qos === 1
      ? {
          ack: {
            ack: () => settled.push({ topic, result: 'ack' }),
            release: () => settled.push({ topic, result: 'release' }),
          },
        }
      : {}),
  });
  return { ingest, processed, settled, message, released: () => released };
}

describe('IngestService intake around the drain', () => {
  it('processes and acknowledges what arrives before the drain', async () => {
    const s = service();
    s.ingest.take([s.message('a', 1), s.message('b', 0)]);
    expect(await s.ingest.drain()).toBe(true);
    expect(s.processed).toEqual(['a', 'b']);
    expect(s.settled).toEqual([{ topic: 'a', result: 'ack' }]);
  });

  it('after the drain began releases QoS 1 deliveries unprocessed and still processes QoS 0 ones', async () => {
    const s = service();
    expect(await s.ingest.drain()).toBe(true);
    // What the consumers read while closing.
    s.ingest.take([s.message('q1', 1), s.message('q0', 0)]);
    expect(s.settled).toEqual([{ topic: 'q1', result: 'release' }]);
    expect(s.released()).toBe(1);
    expect(await s.ingest.drain()).toBe(true);
    expect(s.processed).toEqual(['q0']);
  });
});
