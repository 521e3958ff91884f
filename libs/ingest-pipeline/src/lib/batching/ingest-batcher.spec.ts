import { IngestBatcher } from './ingest-batcher';
import { RawMessage } from '../pipeline/raw-message';

const msg = (i: number): RawMessage => ({
  topic: 't',
  payload: Buffer.from(String(i)),
  receivedAt: i,
});

/** A batcher of up to 3 messages, one batch at a time, recording each batch's messages. */
function recordingBatcher(maxWaitMs: number): { b: IngestBatcher; batches: number[][] } {
  const batches: number[][] = [];
  const b = new IngestBatcher({
    maxBatch: 3,
    maxWaitMs,
    concurrency: 1,
    process: (batch) => {
      batches.push(batch.map((m) => m.receivedAt));
      return Promise.resolve();
    },
    onError: () => undefined,
  });
  return { b, batches };
}

describe('IngestBatcher', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('flushes a full batch at once and a partial one when maxWaitMs has passed, not before', async () => {
    jest.useFakeTimers();
    const { b, batches } = recordingBatcher(20);
    [0, 1, 2].forEach((i) => b.push(msg(i)));
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[0, 1, 2]]);

    [3, 4].forEach((i) => b.push(msg(i)));
    await jest.advanceTimersByTimeAsync(19);
    expect({ batches: batches.length, buffered: b.buffered }).toEqual({ batches: 1, buffered: 2 });
    await jest.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
  });

  it('sends what arrived while every slot was busy next, full or not, without waiting', async () => {
    jest.useFakeTimers();
    const { b, batches } = recordingBatcher(1000);
    for (let i = 0; i < 7; i += 1) {
      b.push(msg(i));
    }
    await jest.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('never runs more batches at once than its concurrency, and drain waits for all', async () => {
    jest.useFakeTimers();
    let running = 0;
    let peak = 0;
    let done = 0;
    const b = new IngestBatcher({
      maxBatch: 2,
      maxWaitMs: 1000,
      concurrency: 2,
      process: async (batch) => {
        running += 1;
        peak = Math.max(peak, running);
        // A store that takes 10 ms per batch (fake time).
        await new Promise((r) => setTimeout(r, 10));
        running -= 1;
        done += batch.length;
      },
      onError: () => undefined,
    });
    for (let i = 0; i < 11; i += 1) {
      b.push(msg(i));
    }
    let drained = false;
    const drain = b.drain().then(() => (drained = true));
    await jest.advanceTimersByTimeAsync(10);
    // Two slots: after one store round trip only two batches (4 messages) are done.
    expect({ done, drained }).toEqual({ done: 4, drained: false });
    await jest.runAllTimersAsync();
    await drain;
    expect(done).toBe(11);
    expect(peak).toBe(2);
    expect(b.buffered).toBe(0);
  });

  it('reports a failed batch and carries on', async () => {
    const failed: number[] = [];
    const b = new IngestBatcher({
      maxBatch: 1,
      maxWaitMs: 5,
      concurrency: 1,
      process: (batch) =>
        batch[0].receivedAt === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(),
      onError: (_e, batch) => failed.push(batch[0].receivedAt),
    });
    [0, 1, 2].forEach((i) => b.push(msg(i)));
    await b.drain();
    expect(failed).toEqual([1]);
  });

  it('sheds the oldest messages beyond maxBuffered while the store is stuck, losing none', async () => {
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((r) => (release = r));
    const processed: number[] = [];
    const shed: number[] = [];
    const b = new IngestBatcher({
      maxBatch: 10,
      maxWaitMs: 5,
      concurrency: 1,
      maxBuffered: 25,
      process: async (batch) => {
        await stuck;
        processed.push(...batch.map((m) => m.receivedAt));
      },
      shed: (batch) => {
        shed.push(...batch.map((m) => m.receivedAt));
        return Promise.resolve();
      },
      onError: () => undefined,
    });
    for (let i = 0; i < 100; i += 1) {
      b.push(msg(i));
      expect(b.buffered).toBeLessThanOrEqual(25);
    }
    release();
    await b.drain();
    expect(shed.length).toBeGreaterThan(0);
    expect([...processed, ...shed].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
  });
});
