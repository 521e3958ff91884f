// Reference for the gateway benchmark: a bare MQTT.js shared-subscription subscriber that only
// counts messages. Prints its CPU use as JSON on SIGTERM. Usage: node bare-subscriber.js <mqttUrl>
'use strict';
const mqtt = require('mqtt');

const url = process.argv[2];
let received = 0;
const cpu0 = process.cpuUsage();
const t0 = Date.now();
const client = mqtt.connect(url, { protocolVersion: 5, clientId: `bare-${process.pid}`, clean: true });
client.on('connect', () => {
  client.subscribe('$share/ingest/sousvide/+/telemetry', { qos: 1 }, () => process.stdout.write('ready\n'));
});
client.on('message', () => {
  received += 1;
});
process.on('SIGTERM', () => {
  const cpu = process.cpuUsage(cpu0);
  const secs = (Date.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ received, cpuPercent: Math.round(((cpu.user + cpu.system) / 1e6 / secs) * 1000) / 10 })}\n`);
  client.end(true, () => process.exit(0));
});
