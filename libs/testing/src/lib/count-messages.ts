import { connect } from 'mqtt';

export interface MessageCounter {
  /** Messages received so far. */
  count(): number;
  /** Resolves once the subscription is acknowledged (SUBACK); publish only after this. */
  ready: Promise<void>;
  /** Disconnects the subscriber. */
  stop(): Promise<void>;
}

/**
 * Test-side subscriber that counts what the broker delivers on `topicFilter` (QoS 1), so a test
 * can assert end-to-end delivery independently of the code under test.
 */
export function countMessages(mqttUrl: string, topicFilter: string): MessageCounter {
  let received = 0;
  const client = connect(mqttUrl, {
    clientId: `count-messages-${process.pid}-${Math.random().toString(16).slice(2, 10)}`,
    clean: true,
    reconnectPeriod: 500,
  });
  client.on('message', () => {
    received += 1;
  });
  const ready = new Promise<void>((resolve, reject) => {
    client.once('connect', () => {
      client.subscribe(topicFilter, { qos: 1 }, (err, granted) => {
        // A granted QoS of 128 is the broker refusing the subscription.
        if (err || granted?.some((g) => g.qos === 128)) {
          reject(err ?? new Error(`subscription to "${topicFilter}" was refused by ${mqttUrl}`));
        } else {
          resolve();
        }
      });
    });
    client.once('error', reject);
  });
  // Avoid an unhandled rejection when the caller never awaits `ready`.
  ready.catch(() => undefined);
  return {
    count: () => received,
    ready,
    stop: async () => {
      await client.endAsync();
    },
  };
}
