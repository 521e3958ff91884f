import type { ChainableCommander, Redis } from 'ioredis';
import { RUN_KEYS, RUN_KEYS_TTL_SEC } from '@sousvide/run-accounting';
import {
  duplicatesOf,
  IdentitySettler,
  packSettled,
  SETTLE_IDENTITIES_SCRIPT,
} from './settle-identities';

/** Reads SETTLED_MESSAGE_FORMAT back, as the script's struct.unpack does. */
function unpack(b: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  const str = (lenBytes: 1 | 2): string => {
    const len = lenBytes === 1 ? b[at] : b.readUInt16LE(at);
    const v = b.toString('utf8', at + lenBytes, at + lenBytes + len);
    at += lenBytes + len;
    return v;
  };
  while (at < b.length) {
    const head = [b[at], b.readUInt16LE(at + 1), b.readDoubleLE(at + 3), b.readDoubleLE(at + 11)];
    at += 19;
    out.push([...head, str(1), str(1), str(2)].join(' '));
  }
  return out;
}

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
    expect(calls.map((c) => c.slice(0, 6))).toEqual([
      [2, RUN_KEYS.runDevices('r1'), RUN_KEYS.runDevices('r2'), 'idem', 600, RUN_KEYS_TTL_SEC],
    ]);
    // record, run index, seq, ts, bucket, member, device
    expect(unpack(calls[0]?.[6] as Buffer)).toEqual([
      '1 1 1 1000 0 263144 a',
      '1 0 -1 1000 0 -1001 n',
      '1 2 2 262145 1 524289 b,c',
      '0 1 0 5 0 5 x',
    ]);
  });

  it('queues nothing for a batch without messages', () => {
    const { redis, tx, calls } = fakes();
    const settler = new IdentitySettler(redis, { prefix: 'idem', ttlSec: 600 });
    expect(settler.settleIn(tx, { stored: [], unstored: [] })).toBe(false);
    expect(calls).toEqual([]);
  });
});

describe('packSettled', () => {
  it('packs any device id and huge seqs exactly, and refuses an id it cannot frame', () => {
    const big = { deviceId: 'gerät-ü', seq: 2 ** 52 + 1, ts: 1000 };
    expect(unpack(packSettled([{ record: true, r: 3, msg: big }]))).toEqual([
      `1 3 ${2 ** 52 + 1} 1000 0 ${(BigInt(2 ** 52 + 1) << 18n) | 1000n} gerät-ü`,
    ]);
    const huge = { deviceId: 'x'.repeat(65_536), seq: 0, ts: 0 };
    expect(() => packSettled([{ record: true, r: 0, msg: huge }])).toThrow(RangeError);
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
