import { randomUUID } from 'node:crypto';
import { connect, type IClientOptions } from 'mqtt';

export interface MessageCounter {
  /** Messages received so far (settle markers excluded). */
  count(): number;
  /** Their topics, in arrival order. */
  topics(): string[];
  /** Resolves once the subscription is acknowledged (SUBACK); publish only after this. */
  ready: Promise<void>;
  /**
   * Resolves once everything the broker accepted before this call has reached this subscriber:
   * publishes a marker on `markerTopic` (it must match the filter) and waits for it, since the
   * broker hands one subscriber its messages in the order it accepted them. The marker is not
   * counted. Rejects after `timeoutMs`.
   */
  settle(markerTopic: string, timeoutMs?: number): Promise<void>;
  /** Disconnects the subscriber. */
  stop(): Promise<void>;
}

/**
 * Test-side subscriber that counts what the broker delivers on `topicFilter` (QoS 1), so a test
 * can assert end-to-end delivery independently of the code under test. `login`: the identity it
 * subscribes as on an authenticated broker (and TLS options for mqtts://).
 */
export function countMessages(
  mqttUrl: string,
  topicFilter: string,
  login: Pick<IClientOptions, 'username' | 'password' | 'ca'> = {},
): MessageCounter {
  const topics: string[] = [];
  const markers = new Map<string, () => void>();
  const client = connect(mqttUrl, {
    clientId: `count-messages-${process.pid}-${randomUUID().slice(0, 8)}`,
    clean: true,
    reconnectPeriod: 500,
    ...login,
  });
  client.on('message', (topic, payload) => {
    const marker = markers.get(payload.toString());
    if (marker) {
      marker();
    } else {
      topics.push(topic);
    }
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
    count: () => topics.length,
    topics: () => [...topics],
    ready,
    settle: async (markerTopic, timeoutMs = 30_000) => {
      await ready;
      const token = `settle-marker-${randomUUID()}`;
      let timer: NodeJS.Timeout | undefined;
      const arrived = new Promise<void>((resolve, reject) => {
        markers.set(token, resolve);
        timer = setTimeout(
          () => reject(new Error(`settle marker on ${markerTopic} not back in ${timeoutMs} ms`)),
          timeoutMs,
        );
      });
      try {
        await client.publishAsync(markerTopic, token, { qos: 1 });
        await arrived;
      } finally {
        clearTimeout(timer);
        markers.delete(token);
      }
    },
    stop: async () => {
      await client.endAsync();
    },
  };
}
