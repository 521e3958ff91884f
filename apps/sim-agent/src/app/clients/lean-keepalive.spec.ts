import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { LeanKeepalive } from './lean-keepalive';

describe('LeanKeepalive', () => {
  let pings: number[];
  let deaths: number[];
  const start = 1_000_000;

  beforeEach(() => {
    jest.useFakeTimers({ now: start });
    pings = [];
    deaths = [];
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  function keepalive(sec: number): LeanKeepalive {
    const k = new LeanKeepalive(sec, {
      ping: () => pings.push(Date.now() - start),
      dead: (silentMs) => deaths.push(silentMs),
    });
    k.wrote();
    k.read();
    return k;
  }

  it('pings after a period without writes, and not while the connection writes', () => {
    const k = keepalive(10);
    k.start();
    // Writes every 4 s for 20 s: no ping due; reads keep it alive.
    for (let t = 4_000; t <= 20_000; t += 4_000) {
      jest.advanceTimersByTime(4_000);
      k.wrote();
      k.read();
    }
    expect(pings).toEqual([]);
    jest.advanceTimersByTime(10_000);
    expect(pings).toEqual([30_000]);
    expect(deaths).toEqual([]);
  });

  it('declares the connection dead after 1.5 periods with nothing read, pinging once before', () => {
    const k = keepalive(10);
    k.start();
    jest.advanceTimersByTime(14_999);
    expect(deaths).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(pings).toEqual([10_000]);
    expect(deaths).toEqual([15_000]);
    // Dead is said once: no timer is left.
    jest.advanceTimersByTime(60_000);
    expect(deaths).toHaveLength(1);
  });

  it('stays alive while PINGRESPs (reads) come back', () => {
    const k = keepalive(1);
    k.start();
    for (let i = 0; i < 10; i++) {
      jest.advanceTimersByTime(1_000);
      k.read();
    }
    expect(pings).toHaveLength(10);
    expect(deaths).toEqual([]);
  });

  it('does nothing with keepalive 0 or once stopped', () => {
    keepalive(0).start();
    const stopped = keepalive(1);
    stopped.start();
    stopped.stop();
    jest.advanceTimersByTime(60_000);
    expect(pings).toEqual([]);
    expect(deaths).toEqual([]);
  });
});
