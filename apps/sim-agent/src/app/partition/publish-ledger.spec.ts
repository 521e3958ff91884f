import { PublishLedger } from './publish-ledger';

describe('PublishLedger', () => {
  const make = () => {
    const settled: [number, boolean][] = [];
    const ledger = new PublishLedger(1000, (slot, acked) => settled.push([slot, acked]));
    return { ledger, settled };
  };

  it('an ack settles its message once; a late ack after the sweep counts nothing', () => {
    const { ledger, settled } = make();
    const now = Date.now();
    ledger.send(1, now - 5000);
    ledger.send(0, now);
    ledger.sweep(now);
    ledger.onPublished(0);
    ledger.onPublished(1);
    expect({ published: ledger.published, failed: ledger.failed, sent: ledger.sent }).toEqual({
      published: 1,
      failed: 1,
      sent: 2,
    });
    expect(ledger.failures.publish_timeout).toBe(1);
    expect(settled).toEqual([
      [1, false],
      [0, true],
    ]);
    expect(ledger.inFlight).toBe(0);
  });

  it('an error is failed by its class', () => {
    const { ledger, settled } = make();
    ledger.send(7, Date.now());
    ledger.onPublished(
      7,
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    expect(ledger.failed).toBe(1);
    expect(ledger.published).toBe(0);
    expect(settled).toEqual([[7, false]]);
  });

  it('the sweep stops at the first message still within the timeout (send order)', () => {
    const { ledger } = make();
    const now = Date.now();
    ledger.send(0, now - 3000);
    ledger.send(1, now);
    ledger.send(2, now - 3000);
    ledger.sweep(now);
    expect(ledger.inFlight).toBe(2);
    expect(ledger.failures.publish_timeout).toBe(1);
  });

  it('drain fails what never got an ack once aborted', async () => {
    const { ledger } = make();
    ledger.send(0, Date.now());
    await ledger.drain(() => true);
    expect(ledger.inFlight).toBe(0);
    expect(ledger.failures.publish_timeout).toBe(1);
  });
});
