import { IngestBatcher, type BatcherOptions } from './ingest-batcher';

/** A store the test completes by hand, one batch at a time, in any order. */
function handStore() {
  const calls: { batch: number[]; resolve: () => void; reject: (e: Error) => void }[] = [];
  const process = (batch: number[]): Promise<number> =>
    new Promise<number>((resolve, reject) =>
      calls.push({ batch, resolve: () => resolve(batch.length), reject }),
    );
  return { calls, process };
}

function batcher(
  o: Partial<BatcherOptions<number, number>> & Pick<BatcherOptions<number, number>, 'process'>,
) {
  const settled: { batch: number[]; result: number | undefined }[] = [];
  const errors: number[][] = [];
  const b = new IngestBatcher<number, number>({
    maxBatch: 3,
    concurrency: 1,
    retryDelayMs: 5,
    settled: (batch, result) => settled.push({ batch, result }),
    onError: (_e, batch) => errors.push(batch),
    ...o,
  });
  return { b, settled, errors };
}

/** Lets the event loop run the batcher's turn-end start and promise callbacks. */
const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('IngestBatcher (group commit)', () => {
  it('starts a batch within the turn when a slot is free: no fixed wait', async () => {
    const store = handStore();
    const { b } = batcher({ process: store.process });
    b.push([1]);
    b.push([2]);
    await turn();
    // Both reads of one turn form one batch, started without any timer.
    expect(store.calls.map((c) => c.batch)).toEqual([[1, 2]]);
  });

  it('batches what arrives while the slots are busy, up to maxBatch each', async () => {
    const store = handStore();
    const { b } = batcher({ process: store.process, concurrency: 1 });
    b.push([0]);
    await turn();
    for (let i = 1; i <= 7; i += 1) {
      b.push([i]);
    }
    await turn();
    expect(store.calls.map((c) => c.batch)).toEqual([[0]]);
    store.calls[0]?.resolve();
    await turn();
    expect(store.calls.map((c) => c.batch)).toEqual([[0], [1, 2, 3]]);
    store.calls[1]?.resolve();
    await turn();
    store.calls[2]?.resolve();
    await turn();
    expect(store.calls.map((c) => c.batch)).toEqual([[0], [1, 2, 3], [4, 5, 6], [7]]);
  });

  it('never runs more batches at once than its concurrency', async () => {
    const store = handStore();
    const { b } = batcher({ process: store.process, concurrency: 2, maxBatch: 2 });
    b.push([0, 1, 2, 3, 4, 5, 6]);
    await turn();
    expect(store.calls).toHaveLength(2);
    store.calls[0]?.resolve();
    await turn();
    expect(store.calls).toHaveLength(3);
    expect(b.buffered).toBe(1);
  });

  describe('with spacingMs', () => {
    beforeEach(() => {
      // The clock and timers are the test's; the batcher's turn-end start still runs.
      jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
    });
    afterEach(() => {
      jest.useRealTimers();
    });

    it('starts the first batch at once, and one that follows sooner only when the spacing ends', async () => {
      const store = handStore();
      // Spacing at any rate: this test is about the spacing itself, not when it applies.
      const { b } = batcher({
        process: store.process,
        concurrency: 2,
        maxBatch: 10,
        spacingMs: 5,
        spacingMinRate: 0,
      });
      b.push([0]);
      await turn();
      expect(store.calls.map((c) => c.batch)).toEqual([[0]]);
      b.push([1]);
      await turn();
      jest.advanceTimersByTime(3);
      b.push([2]);
      await turn();
      // A slot is free, but the previous start was 3 ms ago: both reads wait for the next batch.
      expect(store.calls.map((c) => c.batch)).toEqual([[0]]);
      jest.advanceTimersByTime(2);
      expect(store.calls.map((c) => c.batch)).toEqual([[0], [1, 2]]);
    });

    it('starts at once after a quiet spell, for a full batch, and when draining', async () => {
      const store = handStore();
      const { b, settled } = batcher({
        process: store.process,
        concurrency: 4,
        maxBatch: 3,
        spacingMs: 5,
        spacingMinRate: 0,
      });
      b.push([0]);
      await turn();
      jest.advanceTimersByTime(5);
      b.push([1]);
      await turn();
      expect(store.calls.map((c) => c.batch)).toEqual([[0], [1]]);
      b.push([2, 3, 4]);
      await turn();
      expect(store.calls.map((c) => c.batch)).toEqual([[0], [1], [2, 3, 4]]);
      b.push([5]);
      await turn();
      expect(store.calls).toHaveLength(3);
      const drained = b.drain();
      expect(store.calls.map((c) => c.batch)).toEqual([[0], [1], [2, 3, 4], [5]]);
      store.calls.forEach((c) => c.resolve());
      await expect(drained).resolves.toBe(true);
      expect(settled.map((x) => x.batch)).toEqual([[0], [1], [2, 3, 4], [5]]);
    });

    it('at a light rate starts each read at once, even within the spacing', async () => {
      const store = handStore();
      // Default: spacing applies from 2 items per 5 ms, 40 per 100 ms.
      const { b } = batcher({ process: store.process, concurrency: 2, maxBatch: 10, spacingMs: 5 });
      b.push([0]);
      await turn();
      jest.advanceTimersByTime(3);
      b.push([1]);
      await turn();
      // 3 ms after the previous start, and a slot free: no wait at 2 items in 3 ms.
      expect(store.calls.map((c) => c.batch)).toEqual([[0], [1]]);
    });

    it('spaces starts once 2 items per spacing interval arrive, and stops after a quiet spell', async () => {
      const store = handStore();
      const { b } = batcher({
        process: store.process,
        concurrency: 100,
        maxBatch: 10,
        spacingMs: 5,
      });
      // 39 reads 1 ms apart: below the rate, each starts at once.
      for (let i = 0; i < 39; i += 1) {
        b.push([i]);
        await turn();
        jest.advanceTimersByTime(1);
      }
      expect(store.calls).toHaveLength(39);
      // The 40th within 100 ms reaches 400/s: it waits out the 5 ms since the last start.
      b.push([39]);
      await turn();
      expect(store.calls).toHaveLength(39);
      jest.advanceTimersByTime(4);
      expect(store.calls.map((c) => c.batch).slice(-1)).toEqual([[39]]);
      // Two rate windows without a read: the rate is light again, the next read starts at once
      // even right after another start.
      jest.advanceTimersByTime(250);
      b.push([40]);
      await turn();
      jest.advanceTimersByTime(2);
      b.push([41]);
      await turn();
      expect(store.calls.map((c) => c.batch).slice(-2)).toEqual([[40], [41]]);
    });
  });

  it('settles batches in the order they started, even when a later one finishes first', async () => {
    const store = handStore();
    const { b, settled } = batcher({ process: store.process, concurrency: 2, maxBatch: 1 });
    b.push([10, 20]);
    await turn();
    store.calls[1]?.resolve();
    await turn();
    expect(settled).toEqual([]);
    store.calls[0]?.resolve();
    await turn();
    expect(settled).toEqual([
      { batch: [10], result: 1 },
      { batch: [20], result: 1 },
    ]);
  });

  it('tries a batch whose processing threw again and settles it once', async () => {
    let tries = 0;
    const { b, settled, errors } = batcher({
      process: (batch) => {
        tries += 1;
        return tries === 1 ? Promise.reject(new Error('boom')) : Promise.resolve(batch.length);
      },
    });
    b.push([1, 2]);
    expect(await b.drain()).toBe(true);
    expect({ tries, errors, settled }).toEqual({
      tries: 2,
      errors: [[1, 2]],
      settled: [{ batch: [1, 2], result: 2 }],
    });
  });

  it('sheds the oldest items beyond maxBuffered while the store is stuck, losing none', async () => {
    let unstick: () => void = () => undefined;
    const stuck = new Promise<void>((r) => (unstick = r));
    const shed: number[] = [];
    const store: number[][] = [];
    const { b, settled } = batcher({
      maxBatch: 10,
      maxBuffered: 25,
      process: async (batch) => {
        store.push(batch);
        await stuck;
        return batch.length;
      },
      shed: (batch) => {
        shed.push(...batch);
        return Promise.resolve(batch.length);
      },
    });
    b.push([0]);
    await turn();
    expect(store).toEqual([[0]]); // the only slot is taken, and stays taken
    for (let i = 1; i < 100; i += 1) {
      b.push([i]);
      expect(b.buffered).toBeLessThanOrEqual(25);
    }
    expect(b.buffered).toBe(25);
    expect(shed).toEqual(Array.from({ length: 74 }, (_, i) => i + 1)); // the oldest waiting
    unstick();
    expect(await b.drain()).toBe(true);
    const all = settled.flatMap((s) => s.batch).sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(settled.every((s) => s.result === s.batch.length)).toBe(true);
  });

  it('does not shed what a free slot takes: a burst in one turn keeps maxBuffered waiting', async () => {
    const store = handStore();
    const shed: number[] = [];
    const { b } = batcher({
      maxBatch: 10,
      concurrency: 2,
      maxBuffered: 25,
      process: store.process,
      shed: (batch) => {
        shed.push(...batch);
        return Promise.resolve(batch.length);
      },
    });
    // One turn, both slots free: 20 go to the slots at its end, 25 may wait, the 5 oldest are shed.
    b.push(Array.from({ length: 50 }, (_, i) => i));
    expect(shed).toEqual([0, 1, 2, 3, 4]);
    await turn();
    expect(store.calls.map((c) => c.batch.length)).toEqual([10, 10]);
    expect(store.calls[0]?.batch[0]).toBe(5);
    expect(b.buffered).toBe(25);
    // Both slots busy now: every item beyond 25 waiting is shed at once.
    b.push([50, 51]);
    expect(shed).toEqual([0, 1, 2, 3, 4, 25, 26]);
    expect(b.buffered).toBe(25);
    store.calls.forEach((c) => c.resolve());
  });

  it('at the drain deadline abandons what is unfinished, in order, and tells processing to stop', async () => {
    let signal: AbortSignal | undefined;
    const { b, settled } = batcher({
      maxBatch: 2,
      process: (batch, s) => {
        signal = s;
        return batch[0] === 1
          ? Promise.resolve(batch.length)
          : new Promise<number>(() => undefined);
      },
    });
    b.push([1, 2, 3, 4, 5]);
    expect(await b.drain(Date.now() + 50)).toBe(false);
    expect(signal?.aborted).toBe(true);
    expect(settled).toEqual([
      { batch: [1, 2], result: 2 },
      { batch: [3, 4], result: undefined },
      { batch: [5], result: undefined },
    ]);
    // After that, whatever still arrives is handed back unprocessed at once.
    b.push([6]);
    expect(settled.at(-1)).toEqual({ batch: [6], result: undefined });
  });
});
