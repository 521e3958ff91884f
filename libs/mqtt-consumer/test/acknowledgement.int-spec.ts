import { connectAsync } from 'mqtt';
import type { Delivery } from '../src';
import { startChild } from './support/child-consumer';
import { numbered, publishAll, roundTrip, until } from './support/probe';
import { brokerSuite } from './support/broker-suite';

/**
 * Ack after durable: what the application acked is never delivered again, what it did not ack is
 * redelivered (DUP) to whoever resumes the session: after a reconnect, after a crash of the process.
 */
describe('explicit acknowledgement against a real Mosquitto', () => {
  const suite = brokerSuite();

  const consumer = (clientId: string, topicFilter: string, onBatch?: (batch: Delivery[]) => void) =>
    suite.probe({ clientId, topicFilter, onBatch });

  it('redelivers with DUP only what was not acked when the same client id comes back', async () => {
    const first = consumer('ack-resume', 'ack/resume/+');
    await first.consumer.start();
    await publishAll(suite.broker.url, 'ack/resume/d1', numbered('m', 10));
    await until('10 deliveries', () => first.deliveries.length === 10);
    first.deliveries.slice(0, 4).forEach((d) => d.ack?.ack());
    await roundTrip(first.consumer);
    expect(first.consumer.stats()).toMatchObject({ pubacksSent: 4, unacked: 6 });
    first.consumer.abort();

    const second = consumer('ack-resume', 'ack/resume/+');
    await second.consumer.start();
    await until('6 redeliveries', () => second.deliveries.length >= 6);
    await roundTrip(second.consumer);
    expect(second.bodies()).toEqual(['m4*', 'm5*', 'm6*', 'm7*', 'm8*', 'm9*']);
    expect(second.events[0]).toMatchObject({ type: 'connected', sessionPresent: true });
  });

  it('redelivers what a SIGKILLed process held unacked to the consumer that resumes its session', async () => {
    const child = startChild('hold-consumer', {
      MQTT_URL: suite.broker.url,
      CLIENT_ID: 'ack-crash',
      TOPIC_FILTER: 'ack/crash/+',
      ACK_FIRST: '5',
      EXPECT: '20',
    });
    try {
      await until('the child subscribed', () => child.last()['ready'] === true, 60_000);
      await publishAll(suite.broker.url, 'ack/crash/d1', numbered('m', 20));
      await until('the child held 20 and proved 5 PUBACKs', () => child.last()['synced'] === true);
      expect(child.last()).toMatchObject({ received: 20, pubacksSent: 5, unacked: 15 });
    } finally {
      child.child.kill('SIGKILL');
    }
    expect(await child.exited).toBe('SIGKILL');

    const resumed = consumer('ack-crash', 'ack/crash/+', (batch) =>
      batch.forEach((d) => d.ack?.ack()),
    );
    await resumed.consumer.start();
    await until('15 redeliveries', () => resumed.deliveries.length >= 15);
    await roundTrip(resumed.consumer);
    expect(resumed.bodies()).toEqual(numbered('m', 15, 5).map((b) => `${b}*`));
  });

  it('sends PUBACKs in delivery order: acks after an unacked delivery wait for it, then go out in one write', async () => {
    const first = consumer('ack-order', 'ack/order/+');
    await first.consumer.start();
    await publishAll(suite.broker.url, 'ack/order/d1', numbered('m', 10));
    await until('10 deliveries', () => first.deliveries.length === 10);
    first.deliveries.slice(1).forEach((d) => d.ack?.ack());
    await roundTrip(first.consumer);
    expect(first.consumer.stats()).toMatchObject({ acked: 9, pubacksSent: 0, unacked: 10 });
    first.consumer.abort();

    // Everything comes back: the broker saw no PUBACK, since m0 held the others back.
    const second = consumer('ack-order', 'ack/order/+');
    await second.consumer.start();
    await until('10 redeliveries', () => second.deliveries.length === 10);
    const writesBefore = second.consumer.stats().pubackWrites;
    [...second.deliveries].reverse().forEach((d) => d.ack?.ack());
    await roundTrip(second.consumer);
    expect(second.consumer.stats().pubacksSent).toBe(10);
    expect(second.consumer.stats().pubackWrites - writesBefore).toBe(1);
    second.consumer.abort();

    const third = consumer('ack-order', 'ack/order/+');
    await third.consumer.start();
    await roundTrip(third.consumer);
    expect(third.deliveries).toHaveLength(0);
  });

  it('keeps the session at close while a released delivery is unacknowledged, and it is redelivered', async () => {
    const first = consumer('ack-release', 'ack/release/+');
    await first.consumer.start();
    await publishAll(suite.broker.url, 'ack/release/d1', numbered('m', 5));
    await until('5 deliveries', () => first.deliveries.length === 5);
    first.deliveries.forEach((d, i) => (i === 2 ? d.ack?.release() : d.ack?.ack()));
    expect(await first.consumer.close()).toEqual({ unacked: 3, sessionEnded: false });

    const second = consumer('ack-release', 'ack/release/+');
    await second.consumer.start();
    await until('3 redeliveries', () => second.deliveries.length >= 3);
    await roundTrip(second.consumer);
    expect(second.bodies()).toEqual(['m2*', 'm3*', 'm4*']);
  });

  it('ends the session at a close with everything acked: nothing is kept for that client id', async () => {
    const first = consumer('ack-close', 'ack/close/+', (batch) =>
      batch.forEach((d) => d.ack?.ack()),
    );
    await first.consumer.start();
    await publishAll(suite.broker.url, 'ack/close/d1', numbered('m', 5));
    await until('5 deliveries', () => first.deliveries.length === 5);
    expect(await first.consumer.close()).toEqual({ unacked: 0, sessionEnded: true });
    await publishAll(suite.broker.url, 'ack/close/d1', ['after-close']);

    const second = consumer('ack-close', 'ack/close/+');
    await second.consumer.start();
    await roundTrip(second.consumer);
    expect(second.events[0]).toMatchObject({ type: 'connected', sessionPresent: false });
    expect(second.deliveries).toHaveLength(0);
  });

  it('delivers QoS 0 messages without an ack handle', async () => {
    const p = consumer('ack-qos0', 'ack/qos0/+');
    await p.consumer.start();
    const client = await connectAsync(suite.broker.url);
    await client.publishAsync('ack/qos0/d1', 'zero', { qos: 0 });
    await client.endAsync();
    await until('the QoS 0 delivery', () => p.deliveries.length === 1);
    expect(p.deliveries[0]).toMatchObject({ qos: 0, ack: undefined, dup: false });
  });
});
