// Reference for the gateway benchmarks: a bare MQTT.js shared-subscription subscriber that only
// counts messages (MQTT.js PUBACKs each on receipt). Prints its CPU use as JSON on SIGTERM.
// Usage: node bare-subscriber.js <mqttUrl> [--latency] [--receive-maximum N]
// --latency also reads the send stamp of tools/bench payloads or the `ts` of the agents' telemetry
// (bench-common.js: receipt minus intended send time), prints the
// count every 500 ms while it changes, and adds e2e latency percentiles to the final line.
// SIGUSR2 starts the count, the latencies and the CPU over (after a warm-up load) and prints
// {"reset":N}, N the count before it.
// --receive-maximum announces a Receive Maximum in CONNECT. Without one, Mosquitto (with the
// stack's max_inflight_messages 0) keeps no in-flight limit for this client, and so never applies
// max_queued_messages to it; a client that announces one is queued and dropped beyond it.
'use strict';
const mqtt = require('mqtt');
const { LatencyHistogram, cpuPercentSince, printProgress, stampOf } = require('./bench-common');

const url = process.argv[2];
const withLatency = process.argv.includes('--latency');
let latency = withLatency ? new LatencyHistogram() : undefined;
const rmAt = process.argv.indexOf('--receive-maximum');
const properties = rmAt > 0 ? { receiveMaximum: Number(process.argv[rmAt + 1]) } : undefined;
let received = 0;
let cpu0 = process.cpuUsage();
let t0 = Date.now();
const client = mqtt.connect(url, { protocolVersion: 5, clientId: `bare-${process.pid}`, clean: true, properties });
client.on('connect', () => {
  client.subscribe('$share/ingest/sousvide/+/telemetry', { qos: 1 }, () => process.stdout.write('ready\n'));
});
client.on('message', (_topic, payload) => {
  received += 1;
  if (latency) {
    latency.record(Date.now() - stampOf(payload));
  }
});
process.on('SIGUSR2', () => {
  process.stdout.write(`${JSON.stringify({ reset: received })}\n`);
  received = 0;
  latency = withLatency ? new LatencyHistogram() : undefined;
  cpu0 = process.cpuUsage();
  t0 = Date.now();
});
if (latency) {
  printProgress(() => received);
}
process.on('SIGTERM', () => {
  const used = process.cpuUsage(cpu0);
  const cpuMs = (used.user + used.system) / 1000;
  const report = { received, cpuPercent: cpuPercentSince(cpu0, t0), cpuMs, ...(latency ? { latencyMs: latency.summary() } : {}) };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  client.end(true, () => process.exit(0));
});
