import { getEventListeners } from 'node:events';
import { abortableDelay, untilAborted } from './abortable-delay';

describe('abortableDelay', () => {
  it('resolves at once when aborted, and leaves no listener once its time is up', async () => {
    const giveUp = new AbortController();
    await abortableDelay(1, giveUp.signal);
    await abortableDelay(1, giveUp.signal);
    expect(getEventListeners(giveUp.signal, 'abort')).toHaveLength(0);
    const waiting = abortableDelay(60_000, giveUp.signal);
    giveUp.abort();
    await waiting;
    expect(getEventListeners(giveUp.signal, 'abort')).toHaveLength(0);
  });
});

describe('untilAborted', () => {
  it('gives the value, or the error, of what it waits for, and leaves no listener', async () => {
    const signal = new AbortController().signal;
    await expect(untilAborted(Promise.resolve([true]), signal, [])).resolves.toEqual([true]);
    await expect(untilAborted(Promise.reject(new Error('down')), signal, [])).rejects.toThrow(
      'down',
    );
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it('gives the fallback when aborted while waiting, or before it started', async () => {
    const giveUp = new AbortController();
    const never = new Promise<boolean[]>(() => undefined);
    const waiting = untilAborted(never, giveUp.signal, []);
    expect(getEventListeners(giveUp.signal, 'abort')).toHaveLength(1);
    giveUp.abort();
    await expect(waiting).resolves.toEqual([]);
    await expect(
      untilAborted(Promise.reject(new Error('late')), giveUp.signal, []),
    ).resolves.toEqual([]);
    expect(getEventListeners(giveUp.signal, 'abort')).toHaveLength(0);
  });
});
