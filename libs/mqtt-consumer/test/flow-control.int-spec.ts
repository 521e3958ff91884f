import { countMessages } from '@sousvide/testing';
import { numbered, publishAll, roundTrip, until } from './support/probe';
import { brokerSuite } from './support/broker-suite';

/** Receive Maximum, socket pause and per-read batches: how the application holds the broker back. */
describe('flow control against a real Mosquitto', () => {
  const suite = brokerSuite();

  it('never hands over more unacknowledged deliveries than its Receive Maximum; acking lets the next ones in', async () => {
    const p = suite.probe({
      clientId: 'flow-rm',
      topicFilter: 'flow/rm/+',
      receiveMaximum: 10,
    });
    await p.consumer.start();
    await publishAll(suite.broker.url, 'flow/rm/d1', numbered('m', 35));
    for (let acked = 0; acked < 35; acked += 10) {
      const next = Math.min(acked + 10, 35);
      await until(`deliveries up to ${next}`, () => p.deliveries.length >= next);
      // Nothing is acked meanwhile, so nothing beyond the bound may be handed over.
      expect(p.deliveries).toHaveLength(next);
      expect(p.consumer.stats().unacked).toBe(next - acked);
      p.deliveries.slice(acked).forEach((d) => d.ack?.ack());
    }
    await roundTrip(p.consumer);
    expect(p.bodies()).toEqual(numbered('m', 35));
    const stats = p.consumer.stats();
    expect(stats).toMatchObject({ maxUnacked: 10, pubacksSent: 35, unacked: 0 });
    // Debian's Mosquitto 2.0.11 over-sends after the first PUBACKs (fixed in 2.0.13): shown, not asserted.
    process.stdout.write(
      `broker sent ${stats.receiveMaximumExceeded} PUBLISHes beyond Receive Maximum 10\n`,
    );
  });

  it('pause holds deliveries back until resume, and a resumed read hands them over in batches', async () => {
    const p = suite.probe({
      clientId: 'flow-pause',
      topicFilter: 'flow/pause/+',
      onBatch: (batch) => batch.forEach((d) => d.ack?.ack()),
    });
    await p.consumer.start();
    const witness = countMessages(suite.broker.url, 'flow/pause/+');
    await witness.ready;
    try {
      p.consumer.pause();
      await publishAll(suite.broker.url, 'flow/pause/d1', numbered('m', 200));
      await until('the witness received all 200', () => witness.count() === 200);
      expect(p.deliveries).toHaveLength(0);
      p.consumer.resume();
      await until('200 deliveries after resume', () => p.deliveries.length === 200);
    } finally {
      await witness.stop();
    }
    expect(p.bodies()).toEqual(numbered('m', 200));
    const { batches, delivered } = p.consumer.stats();
    expect(delivered).toBe(200);
    // What queued in the socket while paused arrives in a few large reads, not 200 callbacks.
    expect(batches).toBeLessThan(delivered / 4);
  });
});
