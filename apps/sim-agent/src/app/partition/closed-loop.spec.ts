import { ClosedLoop } from './closed-loop';

/** Lets the deferred owed sends (setImmediate) run. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function loopWith(devices: number, window: number) {
  const sent: [number, number][] = [];
  const loop = new ClosedLoop(devices, window, (slot, k) => sent.push([slot, k]));
  return { loop, sent };
}

describe('ClosedLoop', () => {
  it('admits up to the window per device, then holds the device back', () => {
    const { loop } = loopWith(2, 2);
    expect(loop.admit(0, 0)).toBe(true);
    expect(loop.admit(0, 2)).toBe(true);
    expect(loop.admit(0, 4)).toBe(false);
    // Another device has a window of its own.
    expect(loop.admit(1, 1)).toBe(true);
    expect(loop.inflightOf(0)).toBe(2);
    expect(loop.inflightOf(1)).toBe(1);
  });

  it('sends the owed slot on the turn after an ack, and withholds further due slots', async () => {
    const { loop, sent } = loopWith(1, 1);
    expect(loop.admit(0, 0)).toBe(true);
    expect(loop.admit(0, 1)).toBe(false); // owed
    expect(loop.admit(0, 2)).toBe(false); // withheld: a device never queues up a backlog
    loop.settled(0, true);
    // Deferred: an ack callback runs inside the client's packet handling.
    expect(sent).toEqual([]);
    await nextTurn();
    expect(sent).toEqual([[1, 0]]);
    expect(loop.inflightOf(0)).toBe(1);
    loop.settled(0, true);
    await nextTurn();
    expect(sent).toEqual([[1, 0]]);
    const stats = loop.stats(3);
    expect(stats).toMatchObject({ window: 1, withheld: 1, deviceAckedSum: 2 });
  });

  it('frees the window on a failed or timed-out publish, counting it as not acked', async () => {
    const { loop, sent } = loopWith(1, 1);
    loop.admit(0, 0);
    loop.admit(0, 1);
    loop.settled(0, false);
    await nextTurn();
    expect(sent).toEqual([[1, 0]]);
    expect(loop.stats(2).deviceAckedSum).toBe(0);
  });

  it('gives gap-free sequence numbers per device at send time, whatever was withheld', () => {
    const { loop } = loopWith(2, 1);
    expect([loop.nextSeq(0), loop.nextSeq(0), loop.nextSeq(1), loop.nextSeq(0)]).toEqual([
      0, 1, 0, 2,
    ]);
  });

  it('withholds what is owed or about to go out when the publish window closes', async () => {
    const { loop, sent } = loopWith(2, 1);
    loop.admit(0, 0);
    loop.admit(0, 2); // owed
    loop.admit(1, 1);
    loop.admit(1, 3); // owed
    loop.settled(1, true); // device 1's owed slot is now about to go out
    loop.close();
    await nextTurn();
    expect(sent).toEqual([]);
    expect(loop.stats(2)).toMatchObject({ withheld: 2 });
    expect(loop.inflightOf(1)).toBe(0);
    // After the close nothing is admitted any more.
    expect(loop.admit(1, 5)).toBe(false);
  });

  it('reports per-device acked counts and the devices below the target', () => {
    const { loop } = loopWith(3, 1);
    for (const [k, n] of [
      [0, 10],
      [1, 9],
      [2, 4],
    ]) {
      for (let i = 0; i < n; i += 1) {
        loop.admit(k, i);
        loop.settled(k, true);
      }
    }
    expect(loop.stats(10)).toEqual({
      window: 1,
      withheld: 0,
      deviceAckedMin: 4,
      deviceAckedMax: 10,
      deviceAckedSum: 23,
      devicesBelowTarget: 2,
      targetPerDevice: 10,
    });
  });

  it('refuses a window outside 1..65535', () => {
    expect(() => new ClosedLoop(1, 0, () => undefined)).toThrow(/window/);
    expect(() => new ClosedLoop(1, 70_000, () => undefined)).toThrow(/window/);
  });
});
