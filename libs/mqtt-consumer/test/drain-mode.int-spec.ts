import { numbered, publishAll, roundTrip, until } from './support/probe';
import { brokerSuite } from './support/broker-suite';

/**
 * Drain mode: another client takes over a dead member's session to empty it, as a surviving
 * gateway adopts a killed one's (ADR 0015). Mosquitto 2.0.11 keeps routing the dead member's
 * share of a shared subscription to its session; drained, nothing of it is lost.
 */
describe('drain mode against a real Mosquitto', () => {
  const suite = brokerSuite();
  const shared = '$share/drain/drain/+';

  it("takes a dead member's session: its unacked and queued share arrive, nothing new is routed to it", async () => {
    const ackAll = { onBatch: (b: { ack?: { ack(): void } }[]) => b.forEach((d) => d.ack?.ack()) };
    const dead = suite.probe({ clientId: 'drain-dead', topicFilter: shared });
    const alive = suite.probe({ clientId: 'drain-alive', topicFilter: shared, ...ackAll });
    await dead.consumer.start();
    await alive.consumer.start();
    await publishAll(suite.broker.url, 'drain/d1', numbered('a', 20));
    await until(
      '20 delivered over both',
      () => dead.deliveries.length + alive.deliveries.length === 20,
    );
    const held = dead.deliveries.length;
    expect(held).toBeGreaterThan(0);
    dead.consumer.abort(); // a crash: the session stays, with its unacked messages
    // The broker keeps routing the dead member's share to its session meanwhile.
    await publishAll(suite.broker.url, 'drain/d1', numbered('b', 20));
    await until('the live member got its share', () => alive.deliveries.length >= 20 - held + 5);
    await roundTrip(alive.consumer);
    const queued = 40 - held - alive.deliveries.length;

    const adopter = suite.probe({
      clientId: 'drain-dead',
      topicFilter: shared,
      mode: 'drain',
      ...ackAll,
    });
    await adopter.consumer.start();
    expect(adopter.consumer.sessionPresent).toBe(true);
    await adopter.consumer.stopTaking();
    await until('the dead share drained', () => adopter.deliveries.length === held + queued);
    // Unsubscribed: everything new goes to the live member.
    const before = alive.deliveries.length;
    await publishAll(suite.broker.url, 'drain/d1', numbered('c', 10));
    await until('10 more to the live member', () => alive.deliveries.length === before + 10);
    await roundTrip(adopter.consumer);
    expect(adopter.deliveries).toHaveLength(held + queued);
    const all = [...alive.bodies(), ...adopter.bodies(), ...dead.bodies()].map((b) =>
      b.replace('*', ''),
    );
    expect(new Set(all)).toEqual(
      new Set([...numbered('a', 20), ...numbered('b', 20), ...numbered('c', 10)]),
    );
    expect(await adopter.consumer.close({ endSession: true })).toEqual({
      unacked: 0,
      sessionEnded: true,
    });

    // The session is gone: a consumer under that id starts afresh.
    const fresh = suite.probe({ clientId: 'drain-dead', topicFilter: shared, mode: 'drain' });
    await fresh.consumer.start();
    expect(fresh.consumer.sessionPresent).toBe(false);
  });

  it('ends instead of reconnecting when the owner takes its session back', async () => {
    const adopter = suite.probe({ clientId: 'drain-owner', topicFilter: shared, mode: 'drain' });
    await adopter.consumer.start();
    const owner = suite.probe({ clientId: 'drain-owner', topicFilter: shared });
    await owner.consumer.start();
    await until('the adopter lost the session', () =>
      adopter.events.some((e) => e.type === 'lost'),
    );
    expect(adopter.consumer.connected).toBe(false);
    expect(owner.consumer.connected).toBe(true);
    expect(adopter.consumer.stats().connects).toBe(1);
  });
});
