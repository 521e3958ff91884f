import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import { classifyWriteError, InfluxRetryPolicy } from './influx-retry-policy';

const policy = (random: number, overrides = {}) =>
  new InfluxRetryPolicy({
    maxRetries: 5,
    retryBudgetMs: 15_000,
    baseDelayMs: 100,
    maxDelayMs: 5000,
    random: () => random,
    ...overrides,
  });

const httpError = (status: number, headers: Record<string, string> = {}) =>
  new HttpError(status, 'status', 'body', headers['retry-after'], 'text/plain', undefined, headers);

describe('InfluxRetryPolicy', () => {
  it('draws the backoff uniformly below min(cap, base * 2^retry) (full jitter)', () => {
    const top = policy(0.999999);
    expect([0, 1, 2, 5, 6, 10].map((r) => top.backoffMs(r))).toEqual([
      99, 199, 399, 3199, 4999, 4999,
    ]);
    expect(policy(0).backoffMs(3)).toBe(0);
  });

  it('uses Retry-After instead of the backoff, and gives up when a wait does not fit the budget', () => {
    expect(policy(0.5).nextDelayMs(0, 1000, 15_000)).toBe(1000);
    expect(policy(0.5).nextDelayMs(0, 20_000, 15_000)).toBeUndefined();
    expect(policy(0.5).nextDelayMs(2, undefined, 150)).toBeUndefined();
  });

  it('waits at least the base for a Retry-After of 0', () => {
    expect(policy(0.5).nextDelayMs(0, 0, 15_000)).toBe(100);
  });

  it('has no count limit with maxRetries Infinity: only the budget ends the retries', () => {
    const unbounded = policy(0.5, { maxRetries: Number.POSITIVE_INFINITY });
    expect(unbounded.nextDelayMs(1000, undefined, 15_000)).toBe(2500);
    expect(unbounded.nextDelayMs(1000, undefined, 2500)).toBeUndefined();
  });

  it('gives up after maxRetries', () => {
    expect(policy(0.5, { maxRetries: 2 }).nextDelayMs(1, undefined, 15_000)).toBe(100);
    expect(policy(0.5, { maxRetries: 2 }).nextDelayMs(2, undefined, 15_000)).toBeUndefined();
  });
});

describe('classifyWriteError', () => {
  it.each([
    [408, 'retry'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [413, 'halve'],
    [400, 'halve'],
    [422, 'halve'],
    [401, 'fail'],
    [403, 'fail'],
    [404, 'fail'],
    [405, 'fail'],
  ])('HTTP %i -> %s', (status, action) => {
    expect(classifyWriteError(httpError(status), false, 0).action).toBe(action);
  });

  it('reads Retry-After as seconds or as an HTTP date (not as ms like HttpError.retryAfter())', () => {
    const seconds = classifyWriteError(httpError(429, { 'retry-after': '2' }), false, 0);
    expect(seconds).toMatchObject({ action: 'retry', retryAfterMs: 2000 });
    const now = Date.parse('2026-11-27T14:15:00Z');
    const date = httpError(503, { 'retry-after': 'Fri, 27 Nov 2026 14:15:03 GMT' });
    expect(classifyWriteError(date, false, now)).toMatchObject({ retryAfterMs: 3000 });
  });

  it('treats timeouts as TIMEOUT and network errors as retriable', () => {
    expect(classifyWriteError(new RequestTimedOutError(), false, 0)).toMatchObject({
      action: 'retry',
      code: 'TIMEOUT',
    });
    expect(classifyWriteError(new Error('aborted'), true, 0)).toMatchObject({ code: 'TIMEOUT' });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(classifyWriteError(reset, false, 0)).toMatchObject({
      action: 'retry',
      code: 'RETRIES_EXHAUSTED',
      reason: 'ECONNRESET: socket hang up',
    });
  });
});
