// Child process for the crash test: a consumer that acks only its first ACK_FIRST deliveries,
// proves those PUBACKs reached the broker with a round trip, prints one JSON line per state
// change, and then holds the rest unacknowledged until it is killed.
import { MqttConsumer } from '../../src';

const { MQTT_URL, CLIENT_ID, TOPIC_FILTER, ACK_FIRST, EXPECT } = process.env;
let received = 0;
let synced = false;
const consumer = new MqttConsumer({
  url: MQTT_URL ?? '',
  clientId: CLIENT_ID ?? '',
  topicFilter: TOPIC_FILTER ?? '',
  onDeliveries: (batch) => {
    for (const delivery of batch) {
      if (received < Number(ACK_FIRST)) {
        delivery.ack?.ack();
      }
      received += 1;
    }
    report();
    if (received >= Number(EXPECT) && !synced) {
      synced = true;
      consumer.publish('sync/round-trip', Buffer.alloc(0)).then(report, (err: Error) => {
        process.stderr.write(`round trip failed: ${err.message}\n`);
        process.exit(1);
      });
    }
  },
});

function report(): void {
  const { pubacksSent, unacked } = consumer.stats();
  process.stdout.write(
    `${JSON.stringify({ received, pubacksSent, unacked, synced: consumer.stats().published > 0 })}\n`,
  );
}

consumer.start().then(
  () => process.stdout.write('{"ready":true}\n'),
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
