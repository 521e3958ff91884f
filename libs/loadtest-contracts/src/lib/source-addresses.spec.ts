import { isLoopbackIpv4, sourceAddressesFor } from './source-addresses';

describe('sourceAddressesFor', () => {
  it('gives a loopback broker ceil(n / 2000) fresh 127.x addresses per partition, never 127.0.x.x', () => {
    const sources = sourceAddressesFor('127.0.0.1', [1250, 1250, 4001], 'pr2/1');
    expect(sources?.map((s) => s.length)).toEqual([1, 1, 3]);
    const all = sources?.flat() ?? [];
    expect(new Set(all).size).toBe(5);
    for (const a of all) {
      expect(isLoopbackIpv4(a)).toBe(true);
      expect(a.startsWith('127.0.')).toBe(false);
    }
  });

  it('moves to other addresses for another run or attempt, and is stable for the same one', () => {
    const a = sourceAddressesFor('127.0.0.1', [10_000], 'run-a/1')?.flat();
    expect(sourceAddressesFor('127.0.0.1', [10_000], 'run-a/1')?.flat()).toEqual(a);
    expect(sourceAddressesFor('127.0.0.1', [10_000], 'run-a/2')?.flat()).not.toEqual(a);
    expect(sourceAddressesFor('127.0.0.1', [10_000], 'run-b/1')?.flat()).not.toEqual(a);
  });

  it('wraps the last octet past 254 into the next block', () => {
    const many = sourceAddressesFor('127.0.0.1', Array(300).fill(100), 'x')?.flat() ?? [];
    expect(new Set(many).size).toBe(300);
    expect(many.every((a) => !a.endsWith('.0') && !a.endsWith('.255'))).toBe(true);
  });

  it('leaves brokers elsewhere to the kernel', () => {
    expect(sourceAddressesFor('172.17.0.2', [100], 'x')).toBeUndefined();
    expect(sourceAddressesFor('localhost', [100], 'x')).toBeUndefined();
    expect(sourceAddressesFor('broker.example', [100], 'x')).toBeUndefined();
  });
});
