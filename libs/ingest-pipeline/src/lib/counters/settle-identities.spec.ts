import type { ChainableCommander, Redis } from 'ioredis';
import { RUN_KEYS, RUN_KEYS_TTL_SEC } from '@sousvide/run-accounting';
import { duplicatesOf, IdentitySettler, SETTLE_IDENTITIES_SCRIPT } from './settle-identities';

/** A client that only records what is defined on it, and a transaction that records calls. */
function fakes() {
  const defined: string[] = [];
  const redis = {
    defineCommand: (name: string) => defined.push(name),
  } as unknown as Redis;
  const calls: unknown[][] = [];
  const tx = {
    [SETTLE_IDENTITIES_SCRIPT.name]: (...args: unknown[]) => calls.push(args),
  } as unknown as ChainableCommander;
  return { redis, tx, calls, defined };
}

describe('IdentitySettler', () => {
  it("packs stored then unstored messages with their run's device-state key, once per run", () => {
    const { redis, tx, calls, defined } = fakes();
    const settler = new IdentitySettler(redis, { prefix: 'idem', ttlSec: 600 });
    expect(defined).toEqual([SETTLE_IDENTITIES_SCRIPT.name]);
    const queued = settler.settleIn(tx, {
      stored: [
        { msg: { deviceId: 'a', seq: 1, ts: 1000 }, runId: 'r1' },
        { msg: { deviceId: 'n', ts: 1000 }, runId: 'r2' },
        { msg: { deviceId: 'b,c', seq: 2, ts: 262_145 }, runId: 'r2' },
      ],
      unstored: [{ msg: { deviceId: 'x', seq: 0, ts: 5 }, runId: 'r1' }],
    });
    expect(queued).toBe(true);
    // A message without a seq is not tracked (index 0) and adds no key for its run.
    expect(calls).toEqual([
      [
        2,
        RUN_KEYS.runDevices('r1'),
        RUN_KEYS.runDevices('r2'),
        'idem',
        600,
        RUN_KEYS_TTL_SEC,
        '1,1,0,1,1000,263144,1:a' +
          '1,0,0,-,1000,-1001,1:n' +
          '1,2,1,2,262145,524289,3:b,c' +
          '0,1,0,0,5,5,1:x',
      ],
    ]);
  });

  it('queues nothing for a batch without messages', () => {
    const { redis, tx, calls } = fakes();
    const settler = new IdentitySettler(redis, { prefix: 'idem', ttlSec: 600 });
    expect(settler.settleIn(tx, { stored: [], unstored: [] })).toBe(false);
    expect(calls).toEqual([]);
  });
});

describe('duplicatesOf', () => {
  it('reads one flag per stored message from the reply, a string or a buffer', () => {
    expect(duplicatesOf('0100', 3)).toEqual([false, true, false]);
    expect(duplicatesOf(Buffer.from('11'), 2)).toEqual([true, true]);
  });

  it('is undefined for a reply that is not the script answer', () => {
    expect(duplicatesOf(1, 1)).toBeUndefined();
    expect(duplicatesOf('0', 2)).toBeUndefined();
    expect(duplicatesOf(null, 0)).toBeUndefined();
  });
});
