import { describe, expect, it, jest } from '@jest/globals';
import { connackRejectedError } from '@sousvide/loadtest-contracts';
import { DeviceReconnector } from './device-reconnector';

const refused = (): Error => Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });

describe('DeviceReconnector', () => {
  it('retries with growing full-jitter delays until the connect succeeds, then records it', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const calls: number[] = [];
      const back: number[] = [];
      let failures = 2;
      const r = new DeviceReconnector(
        { baseMs: 100, capMs: 1000 },
        () => {
          calls.push(Date.now());
          if (failures > 0) {
            failures -= 1;
            return Promise.reject(refused());
          }
          return Promise.resolve();
        },
        (k) => back.push(k),
        () => 0.99,
      );
      r.lost(7);
      expect(r.offline).toBe(1);
      await jest.advanceTimersByTimeAsync(99); // attempt 0: 0.99 * 100
      await jest.advanceTimersByTimeAsync(198); // attempt 1: 0.99 * 200
      await jest.advanceTimersByTimeAsync(396); // attempt 2: 0.99 * 400
      expect(calls.map((t) => t - 1_000_000)).toEqual([99, 297, 693]);
      expect(back).toEqual([7]);
      const stats = r.toJSON();
      expect(stats).toMatchObject({
        lost: 1,
        attempts: 3,
        succeeded: 1,
        stillDisconnected: 0,
        firstAt: 1_000_693,
        lastAt: 1_000_693,
        perSecond: { '1000': 1 },
      });
      expect(stats.failedAttempts.connect_refused).toBe(2);
      expect(stats.delay.count).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('gives up on a device whose CONNACK is refused: retrying a wrong secret cannot help', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      let calls = 0;
      const r = new DeviceReconnector(
        { baseMs: 100, capMs: 1000 },
        () => {
          calls += 1;
          return Promise.reject(connackRejectedError(5));
        },
        () => undefined,
        () => 0.99,
      );
      r.lost(3);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(calls).toBe(1);
      expect(r.toJSON()).toMatchObject({ attempts: 1, succeeded: 0, stillDisconnected: 1 });
      expect(r.toJSON().failedAttempts.connack_rejected).toBe(1);
    } finally {
      jest.useRealTimers();
    }
  });

  it('schedules nothing after stop() and reports who is still offline', async () => {
    jest.useFakeTimers();
    try {
      const connect = jest.fn(() => Promise.reject(refused()));
      const r = new DeviceReconnector({ baseMs: 100, capMs: 1000 }, connect, () => undefined);
      r.lost(1);
      r.lost(2);
      r.stop();
      await jest.advanceTimersByTimeAsync(10_000);
      expect(connect).not.toHaveBeenCalled();
      expect(r.toJSON()).toMatchObject({ lost: 2, attempts: 0, stillDisconnected: 2 });
      r.lost(3);
      expect(r.offline).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it('keeps going when the connection is lost again right after its CONNACK', async () => {
    jest.useFakeTimers();
    try {
      let first = true;
      const back: number[] = [];
      const r: DeviceReconnector = new DeviceReconnector(
        { baseMs: 10, capMs: 10 },
        (k) => {
          if (first) {
            first = false;
            r.lost(k);
          }
          return Promise.resolve();
        },
        (k) => back.push(k),
        () => 0.5,
      );
      r.lost(4);
      await jest.advanceTimersByTimeAsync(100);
      expect(back).toEqual([4]);
      expect(r.toJSON()).toMatchObject({ lost: 1, attempts: 2, succeeded: 1 });
    } finally {
      jest.useRealTimers();
    }
  });
});
