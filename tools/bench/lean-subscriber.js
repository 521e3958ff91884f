// The lean counterpart of bare-subscriber.js for the consumer benchmark: a shared-subscription
// consumer on libs/mqtt-consumer that only counts and acks each delivery at once, with the same
// latency bookkeeping. Usage: node lean-subscriber.js <mqttUrl> [receiveMaximum]
// receiveMaximum defaults to 65535, what MQTT.js (which announces none) gets from the broker.
// The library is TypeScript: loaded through ts-node (transpile only) before any message flows,
// so CPU measured from the publish window on is the consumer's own.
'use strict';
const { LatencyHistogram, cpuPercentSince, printProgress, requireTs, stampOf } = require('./bench-common');
const { MqttConsumer } = requireTs('libs/mqtt-consumer/src');

const url = process.argv[2];
const latency = new LatencyHistogram();
let received = 0;
const cpu0 = process.cpuUsage();
const t0 = Date.now();
const consumer = new MqttConsumer({
  url,
  clientId: `lean-${process.pid}`,
  topicFilter: '$share/ingest/sousvide/+/telemetry',
  sessionExpirySec: 0,
  receiveMaximum: Number(process.argv[3] ?? 65535),
  onDeliveries: (batch) => {
    for (const delivery of batch) {
      latency.record(delivery.receivedAt - stampOf(delivery.payload));
      delivery.ack?.ack();
    }
    received += batch.length;
  },
});
consumer.start().then(
  () => process.stdout.write('ready\n'),
  (err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
printProgress(() => received);
process.on('SIGTERM', () => {
  const cpuPercent = cpuPercentSince(cpu0, t0);
  const { pubackWrites, pubacksSent, batches } = consumer.stats();
  const report = {
    received,
    cpuPercent,
    latencyMs: latency.summary(),
    batches,
    pubacksSent,
    pubackWrites,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  consumer.close().then(() => process.exit(0));
});
