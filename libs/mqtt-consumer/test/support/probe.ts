import { connectAsync } from 'mqtt';
import {
  MqttConsumer,
  type ConsumerEvent,
  type Delivery,
  type MqttConsumerOptions,
} from '../../src';

/** A consumer under test with everything it delivered and reported, in order. */
export interface Probe {
  consumer: MqttConsumer;
  deliveries: Delivery[];
  events: ConsumerEvent[];
  /** Payloads as text, with "*" appended to a redelivery (DUP). */
  bodies(): string[];
}

export type ProbeOptions = Omit<MqttConsumerOptions, 'onDeliveries' | 'onEvent'> & {
  /** Called for every batch after it was recorded (e.g. to ack). */
  onBatch?: (batch: Delivery[]) => void;
};

export function probe(options: ProbeOptions): Probe {
  const deliveries: Delivery[] = [];
  const events: ConsumerEvent[] = [];
  const { onBatch, ...rest } = options;
  const consumer = new MqttConsumer({
    reconnect: { baseMs: 50, capMs: 500 },
    ...rest,
    onDeliveries: (batch) => {
      deliveries.push(...batch);
      onBatch?.(batch);
    },
    onEvent: (event) => events.push(event),
  });
  return {
    consumer,
    deliveries,
    events,
    bodies: () => deliveries.map((d) => d.payload.toString() + (d.dup ? '*' : '')),
  };
}

/** Resolves once `condition` holds; fails after `timeoutMs` saying what it waited for. */
export async function until(
  what: string,
  condition: () => boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A round trip through the broker on the consumer's own connection: once the PUBACK of this
 * publish is back, the broker has processed every PUBACK we wrote before it, and everything it
 * sent us before its PUBACK has been delivered. Lets a test assert "nothing more" without sleeping.
 */
export async function roundTrip(consumer: MqttConsumer): Promise<void> {
  await consumer.publish('sync/round-trip', Buffer.alloc(0));
}

/** Publishes each body at QoS 1 to `topic` from a plain MQTT.js client, awaiting every PUBACK. */
export async function publishAll(url: string, topic: string, bodies: string[]): Promise<void> {
  const client = await connectAsync(url, { clientId: `publisher-${process.pid}-${Date.now()}` });
  try {
    for (const body of bodies) {
      await client.publishAsync(topic, body, { qos: 1 });
    }
  } finally {
    await client.endAsync();
  }
}

/** "m0".."m<n-1>" with a prefix. */
export const numbered = (prefix: string, n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${from + i}`);
