import { z } from 'zod';
import { storageEnvShape } from '@sousvide/ingest-storage';
import { IngestBatcher } from '../batching/ingest-batcher';
import { pipelineEnvShape, pipelineSettings, spacingMinRate } from './pipeline-env';

/**
 * The batcher as the gateway builds it from the default settings (pipelineSettings), on a store
 * that never ends, with slots enough for every batch of the test: only the spacing decides when
 * one starts.
 */
function defaultBatcher() {
  const settings = pipelineSettings(
    z.object({ ...storageEnvShape, ...pipelineEnvShape }).parse({ INFLUX_TOKEN: 'unused' }),
  );
  const starts: number[][] = [];
  const b = new IngestBatcher<number, number>({
    ...settings.batcher,
    concurrency: 1000,
    process: (batch) => {
      starts.push(batch);
      return new Promise<number>(() => undefined);
    },
    settled: () => undefined,
    onError: () => undefined,
  });
  return { b, starts, spacingMs: settings.batcher.spacingMs };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('batch spacing settings (ADR 0046, ADR 0052)', () => {
  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('spaces from 2 messages per interval, never below 400 msg/s, and not at all at 0 ms', () => {
    expect(spacingMinRate(10)).toBe(400);
    expect(spacingMinRate(5)).toBe(400);
    expect(spacingMinRate(2)).toBe(1000);
    expect(spacingMinRate(20)).toBe(400);
    expect(spacingMinRate(0)).toBe(0);
  });

  it("at the defaults the smoke's 200 msg/s starts every read at once", async () => {
    const { b, starts } = defaultBatcher();
    // One read every 5 ms for a second: each within the 10 ms spacing of the one before.
    for (let i = 0; i < 200; i += 1) {
      b.push([i]);
      await turn();
      expect(starts).toHaveLength(i + 1);
      jest.advanceTimersByTime(5);
    }
  });

  it('at the defaults 1,000 msg/s is spaced: batches start 10 ms apart and hold what arrived', async () => {
    const { b, starts, spacingMs } = defaultBatcher();
    expect(spacingMs).toBe(10);
    // One read per ms: the first 40 within 100 ms start at once, then the rate reaches 400/s.
    for (let i = 0; i < 40; i += 1) {
      b.push([i]);
      await turn();
      jest.advanceTimersByTime(1);
    }
    const before = starts.length;
    for (let i = 40; i < 100; i += 1) {
      b.push([i]);
      await turn();
      jest.advanceTimersByTime(1);
    }
    const spaced = starts.slice(before);
    // 60 reads over 60 ms went out in batches started at least 10 ms apart: about 6, not 60.
    expect(spaced.length).toBeGreaterThanOrEqual(5);
    expect(spaced.length).toBeLessThanOrEqual(7);
    expect(spaced.every((batch) => batch.length >= 2)).toBe(true);
  });
});
