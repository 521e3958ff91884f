import { bucketMember } from './bucket-member';

/** The definition in BigInt arithmetic throughout, as the store computed it before. */
function reference(seq: number | undefined, ts: number): string {
  const offset = BigInt(ts) & ((1n << 18n) - 1n);
  return seq === undefined ? String(-offset - 1n) : String((BigInt(seq) << 18n) | offset);
}

describe('bucketMember', () => {
  const tss = [
    0,
    -1,
    -262_145,
    1,
    262_143,
    262_144,
    262_145,
    1_795_788_703_500,
    Number.MAX_SAFE_INTEGER,
  ];
  const seqs = [
    undefined,
    0,
    -0,
    -3,
    1,
    42,
    2 ** 31,
    2 ** 35 - 1,
    2 ** 35,
    2 ** 35 + 1,
    2 ** 40 + 7,
    Number.MAX_SAFE_INTEGER,
  ];

  it.each(seqs.flatMap((seq) => tss.map((ts) => [seq, ts] as const)))(
    'is seq << 18 | ts mod 2^18 exactly (seq %p, ts %p)',
    (seq, ts) => {
      expect(bucketMember({ deviceId: 'd', seq, ts })).toBe(reference(seq, ts));
    },
  );
});
