import { withTimeout } from './with-timeout';

/** Timers that keep the process alive right now. */
const liveTimers = (): number =>
  process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('withTimeout', () => {
  it('rejects naming what timed out, and passes an answer in time through', async () => {
    await expect(withTimeout(new Promise(() => undefined), 10, 'DLQ depth')).rejects.toThrow(
      'DLQ depth timed out after 10 ms',
    );
    await expect(withTimeout(Promise.resolve(7), 1000, 'x')).resolves.toBe(7);
  });

  it('keeps the process alive for an awaited call, not for background work', async () => {
    let finish: (v: number) => void = () => undefined;
    const before = liveTimers();
    const awaited = withTimeout(new Promise<number>((r) => (finish = r)), 60_000, 'awaited');
    const background = withTimeout(new Promise<number>(() => undefined), 60_000, 'background', {
      background: true,
    });
    background.catch(() => undefined);
    expect(liveTimers()).toBe(before + 1);
    finish(1);
    await expect(awaited).resolves.toBe(1);
    expect(liveTimers()).toBe(before);
  });
});
