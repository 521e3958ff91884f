import { describe, expect, it, jest } from '@jest/globals';
import { connackRejectedError } from '@sousvide/loadtest-contracts';
import { DeviceReconnector } from './device-reconnector';

const refused = (): Error => Object.assign(new Error('refused'), { code: 'ECONNREFUSED' });

/** A reconnector whose connect fails `failures` times with `failure()`, then succeeds. */
function failingThenBack(failure: () => Error, failures: number) {
  const calls: number[] = [];
  const back: number[] = [];
  let left = failures;
  const r = new DeviceReconnector(
    { baseMs: 100, capMs: 1000 },
    () => {
      calls.push(Date.now());
      if (left > 0) {
        left -= 1;
        return Promise.reject(failure());
      }
      return Promise.resolve();
    },
    (k) => back.push(k),
    () => 0.99,
  );
  return { r, calls, back };
}

describe('DeviceReconnector', () => {
  it('retries with growing full-jitter delays until the connect succeeds, then records it', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { r, calls, back } = failingThenBack(refused, 2);
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

  // As each model fails connect(): both map the CONNACK to connackRejectedError(rc); MQTT.js's
  // own error ("Connection refused: ...", code = rc) in case one reaches the reconnector unmapped.
  const mqttJsRefusal = (rc: number, text: string): Error =>
    Object.assign(new Error(`Connection refused: ${text}`), { code: rc });

  it.each([
    ['not authorized (5)', connackRejectedError(5)],
    ['bad user name or password (4)', connackRejectedError(4)],
    ['identifier rejected (2)', connackRejectedError(2)],
    ['unacceptable protocol (1)', connackRejectedError(1)],
    ['not authorized (5) as MQTT.js says it', mqttJsRefusal(5, 'Not authorized')],
  ])('gives up on a device refused as %s: retrying the same login cannot help', async (_n, err) => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      let calls = 0;
      const r = new DeviceReconnector(
        { baseMs: 100, capMs: 1000 },
        () => {
          calls += 1;
          return Promise.reject(err);
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

  it.each([
    ['server unavailable (3)', () => connackRejectedError(3)],
    ['server unavailable (3) as MQTT.js says it', () => mqttJsRefusal(3, 'Server unavailable')],
    ['a refusal of unknown code', () => new Error('connection refused: try later')],
  ])('keeps retrying a device refused as %s, with the usual backoff', async (_n, refusal) => {
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      const { r, calls, back } = failingThenBack(refusal, 2);
      r.lost(3);
      await jest.advanceTimersByTimeAsync(99 + 198 + 396);
      expect(calls.map((t) => t - 1_000_000)).toEqual([99, 297, 693]);
      expect(back).toEqual([3]);
      expect(r.toJSON()).toMatchObject({ attempts: 3, succeeded: 1, stillDisconnected: 0 });
      expect(r.toJSON().failedAttempts.connack_rejected).toBe(2);
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
