import type { FaultReply } from './influx-fault-server.testing';
import {
  startWriterUnderTest,
  telemetryMessage,
  type WriterUnderTest,
} from './influx-writer.testing';
import { telemetryToLine } from './line-protocol';

const NO_CONTENT: FaultReply = { status: 204 };
const UNAVAILABLE: FaultReply = { status: 503, body: 'service unavailable' };
const batch = (n: number) => Array.from({ length: n }, (_, i) => telemetryMessage(i));
const linesOf = (n: number) => batch(n).map(telemetryToLine);

/** Resolves once the fault server has received `n` requests (event-driven by polling its list). */
async function waitForRequests(u: WriterUnderTest, n: number): Promise<void> {
  while (u.server.requests.length < n) {
    await new Promise((r) => setImmediate(r));
  }
}

describe('InfluxWriter: transient failures and non-retriable statuses', () => {
  let under: WriterUnderTest | undefined;
  afterEach(async () => {
    await under?.close();
    under = undefined;
  });

  it('writes a batch in one request to /api/v2/write with precision ms and the token', async () => {
    under = await startWriterUnderTest(() => NO_CONTENT);
    const outcome = await under.writer.write(batch(3));

    expect(outcome).toEqual({ ok: batch(3), failed: [], attempts: 1, retries: 0 });
    const [request] = under.server.requests;
    expect(request.path).toBe('/api/v2/write?org=sousvide&bucket=telemetry&precision=ms');
    expect(request.headers.authorization).toBe('Token test-token');
    expect(request.lines).toEqual(linesOf(3));
  });

  it('sends bodies uncompressed to a loopback store by default (gzip there costs CPU, saves nothing)', async () => {
    under = await startWriterUnderTest(() => NO_CONTENT);
    const outcome = await under.writer.write(batch(50));

    expect(outcome.ok).toHaveLength(50);
    expect(under.server.requests[0].headers['content-encoding']).toBeUndefined();
    expect(under.server.stored()).toEqual(linesOf(50));
  });

  it('gzips bodies above the threshold when one is set, and the server still receives every line', async () => {
    under = await startWriterUnderTest(() => NO_CONTENT, { gzipThreshold: 1000 });
    const outcome = await under.writer.write(batch(50));

    expect(outcome.ok).toHaveLength(50);
    expect(under.server.requests[0].headers['content-encoding']).toBe('gzip');
    expect(under.server.stored()).toEqual(linesOf(50));
  });

  it('retries 503 with exponential backoff and full jitter, then stores the batch', async () => {
    under = await startWriterUnderTest((_, i) => (i < 3 ? UNAVAILABLE : NO_CONTENT));
    const outcome = await under.writer.write(batch(4));

    expect(outcome).toEqual({ ok: batch(4), failed: [], attempts: 4, retries: 3 });
    // random() = 0.5 of min(5000, 100 * 2^retry)
    expect(under.sleeps).toEqual([50, 100, 200]);
    expect(under.server.requests.map((r) => r.lines)).toEqual(Array(4).fill(linesOf(4)));
    expect(under.server.stored()).toEqual(linesOf(4));
  });

  it('honours Retry-After (seconds) on 429', async () => {
    const tooMany: FaultReply = { status: 429, headers: { 'retry-after': '1' } };
    under = await startWriterUnderTest((_, i) => (i === 0 ? tooMany : NO_CONTENT));
    const outcome = await under.writer.write(batch(2));

    expect(under.sleeps).toEqual([1000]);
    expect(outcome).toEqual({ ok: batch(2), failed: [], attempts: 2, retries: 1 });
    expect(under.server.stored()).toEqual(linesOf(2));
  });

  it('fails at once when Retry-After lies beyond the retry budget', async () => {
    const tooMany: FaultReply = { status: 429, headers: { 'retry-after': '60' } };
    under = await startWriterUnderTest(() => tooMany);
    const outcome = await under.writer.write(batch(2));

    expect(under.sleeps).toEqual([]);
    expect(outcome.attempts).toBe(1);
    expect(outcome.failed.map((f) => f.code)).toEqual(['RETRIES_EXHAUSTED', 'RETRIES_EXHAUSTED']);
  });

  it('retries a dropped connection', async () => {
    under = await startWriterUnderTest((_, i) => (i === 0 ? 'reset' : NO_CONTENT));
    const outcome = await under.writer.write(batch(2));

    expect(outcome).toEqual({ ok: batch(2), failed: [], attempts: 2, retries: 1 });
    expect(under.server.stored()).toEqual(linesOf(2));
  });

  it('fails every message with RETRIES_EXHAUSTED and the last error after maxRetries', async () => {
    under = await startWriterUnderTest(() => UNAVAILABLE, { maxRetries: 2 });
    const outcome = await under.writer.write(batch(3));

    expect(outcome.ok).toEqual([]);
    expect(outcome.failed.map((f) => f.message)).toEqual(batch(3));
    expect(outcome.failed.every((f) => f.code === 'RETRIES_EXHAUSTED')).toBe(true);
    expect(outcome.failed[0].error).toContain('503');
    expect(outcome).toMatchObject({ attempts: 3, retries: 2 });
    expect(under.server.requests).toHaveLength(3);
  });

  it('stops retrying when the next backoff would end past retryBudgetMs', async () => {
    under = await startWriterUnderTest(() => UNAVAILABLE, { maxRetries: 100, retryBudgetMs: 1000 });
    const outcome = await under.writer.write(batch(1));

    // 50 + 100 + 200 + 400 = 750 ms spent; the next 800 ms wait does not fit the 250 ms left.
    expect(under.sleeps).toEqual([50, 100, 200, 400]);
    expect(outcome).toMatchObject({ attempts: 5, retries: 4 });
    expect(outcome.failed[0].code).toBe('RETRIES_EXHAUSTED');
  });

  it('keeps retrying a store that fails at once until the budget, not for a count of retries', async () => {
    // The defaults: no retry count, a 15 s budget. 5 retries would have ended after 1.55 s here.
    under = await startWriterUnderTest(() => UNAVAILABLE);
    const outcome = await under.writer.write(batch(2));

    // 50 + 100 + 200 + 400 + 800 + 1600 + 2500 + 2500 + 2500 = 11,150 ms; another 2,500 would
    // end at 13,650 < 15,000, and the one after that would not fit.
    expect(under.sleeps).toEqual([50, 100, 200, 400, 800, 1600, 2500, 2500, 2500, 2500]);
    expect(outcome).toMatchObject({ attempts: 11, retries: 10 });
    expect(outcome.failed.map((f) => f.code)).toEqual(['RETRIES_EXHAUSTED', 'RETRIES_EXHAUSTED']);
  });

  it('waits the backoff base for a Retry-After of 0 instead of spinning through the budget', async () => {
    const now: FaultReply = { status: 503, headers: { 'retry-after': '0' } };
    under = await startWriterUnderTest(() => now, { retryBudgetMs: 1000 });
    const outcome = await under.writer.write(batch(1));

    expect(under.sleeps).toEqual(Array(9).fill(100));
    expect(outcome).toMatchObject({ attempts: 10, retries: 9 });
  });

  it('times out a server that never answers, retries, then fails with TIMEOUT', async () => {
    under = await startWriterUnderTest(() => 'hang', { timeoutMs: 100, maxRetries: 2 });
    // Resolving at all is the bound: without the timeout each request would hang forever.
    const outcome = await under.writer.write(batch(2));

    expect(outcome.ok).toEqual([]);
    expect(outcome.failed.map((f) => f.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    expect(outcome).toMatchObject({ attempts: 3, retries: 2 });
    expect(under.server.requests).toHaveLength(3);
    expect(under.server.stored()).toEqual([]);
  });

  it.each([401, 403, 404])(
    'does not retry %i and fails every message with HTTP_<status>',
    async (status) => {
      under = await startWriterUnderTest(() => ({ status, body: 'no access' }));
      const outcome = await under.writer.write(batch(3));

      expect(outcome.ok).toEqual([]);
      expect(outcome.failed.map((f) => f.code)).toEqual(Array(3).fill(`HTTP_${status}`));
      expect(outcome.failed[0].error).toContain('no access');
      expect(outcome).toMatchObject({ attempts: 1, retries: 0 });
      expect(under.sleeps).toEqual([]);
      expect(under.server.requests).toHaveLength(1);
    },
  );

  it('close() cuts a pending retry short with CLOSED, and later writes send nothing', async () => {
    let sleeping: () => void = () => undefined;
    const asleep = new Promise<void>((resolve) => (sleeping = resolve));
    under = await startWriterUnderTest(() => UNAVAILABLE, {
      sleep: () => {
        sleeping();
        return new Promise<void>(() => undefined); // never wakes up by itself
      },
    });
    const pending = under.writer.write(batch(2));
    await asleep;
    await under.writer.close();

    const outcome = await pending;
    expect(outcome.failed.map((f) => f.code)).toEqual(['CLOSED', 'CLOSED']);
    expect(outcome.failed[0].error).toContain('503');
    const late = await under.writer.write(batch(1));
    expect(late).toEqual({
      ok: [],
      failed: [{ message: batch(1)[0], code: 'CLOSED', error: 'InfluxWriter is closed' }],
      attempts: 0,
      retries: 0,
    });
    expect(under.server.requests).toHaveLength(1);
  });
  it('close() aborts a request the store never answers, instead of waiting out its timeout', async () => {
    under = await startWriterUnderTest(() => 'hang', { timeoutMs: 600_000 });
    const pending = under.writer.write(batch(2));
    await waitForRequests(under, 1);
    await under.writer.close();

    const outcome = await pending;
    expect(outcome.ok).toEqual([]);
    expect(outcome.failed.map((f) => f.code)).toEqual(['CLOSED', 'CLOSED']);
  });
});
