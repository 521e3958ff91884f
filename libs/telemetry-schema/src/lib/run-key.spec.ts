import { runKey } from './run-key';

describe('runKey', () => {
  it('is a stable safe integer per run id', () => {
    const k = runKey('pr2-hive-10k-20261127-141500');
    expect(Number.isSafeInteger(k)).toBe(true);
    expect(k).toBeGreaterThan(0);
    expect(runKey('pr2-hive-10k-20261127-141500')).toBe(k);
  });

  it('tells 20,000 similar run ids apart', () => {
    const keys = new Set<number>();
    for (let i = 0; i < 20_000; i += 1) {
      keys.add(runKey(`20261202-${String(i).padStart(6, '0')}`));
    }
    expect(keys.size).toBe(20_000);
  });
});
