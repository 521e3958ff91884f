// Over-temperature reading to heater-off command, as a device sees it, beside the bare broker hop
// measured in the same run (the reference). Publishes one hot reading for each of DEVICES devices
// (one each: no cooldown in the way) at RATE readings/s, each followed by a reference message on a
// topic only this process subscribes to; times both from the intended send time (a stalled
// publisher shows up as latency). Prints one JSON line; failsafe-latency-bench.sh runs it.
// Usage: node tools/bench/failsafe-latency.js <mqtt url> <devices> <rate>
'use strict';
const mqtt = require('mqtt');
const { LatencyHistogram } = require('./bench-common');

async function main() {
  const [url, devicesArg = '200', rateArg = '20'] = process.argv.slice(2);
  const devices = Number(devicesArg);
  const rate = Number(rateArg);
  const run = `fsb${Date.now()}`;
  const sentAt = new Map();
  const command = new LatencyHistogram();
  const reference = new LatencyHistogram();
  const watch = await mqtt.connectAsync(url, { clientId: `${run}-watch` });
  watch.on('message', (topic, payload) => {
    const now = Date.now();
    const parts = topic.split('/');
    if (parts[2] === 'control') {
      const at = sentAt.get(parts[1]);
      if (at !== undefined) {
        command.record(now - at);
        sentAt.delete(parts[1]);
      }
    } else {
      reference.record(now - Number(payload.toString()));
    }
  });
  await watch.subscribeAsync([`sousvide/+/control`, `${run}/reference`], { qos: 1 });
  const pub = await mqtt.connectAsync(url, { clientId: `${run}-pub` });
  const t0 = Date.now() + 200;
  for (let i = 0; i < devices; i += 1) {
    const due = t0 + Math.round((i * 1000) / rate);
    const wait = due - Date.now();
    if (wait > 0) {
      await new Promise((r) => setTimeout(r, wait));
    }
    const deviceId = `${run}-${i}`;
    sentAt.set(deviceId, due);
    const reading = {
      v: 1,
      deviceId,
      seq: 0,
      ts: due,
      tempC: 150,
      targetC: 60,
      heaterOn: true,
      pumpOn: true,
      waterLevel: 0.8,
      state: 'cooking',
    };
    void pub.publishAsync(`sousvide/${deviceId}/telemetry`, JSON.stringify(reading), { qos: 1 });
    void pub.publishAsync(`${run}/reference`, String(due), { qos: 1 });
  }
  const deadline = Date.now() + 60_000;
  while ((command.count < devices || reference.count < devices) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
  }
  await Promise.all([pub.endAsync(), watch.endAsync()]);
  const c = command.summary();
  const r = reference.summary();
  process.stdout.write(
    `${JSON.stringify({
      devices,
      rate,
      commands: command.count,
      missing: devices - command.count,
      command_ms: c,
      reference_ms: r,
      p95_ratio: r.p95 ? Math.round((c.p95 / Math.max(1, r.p95)) * 10) / 10 : null,
    })}\n`,
  );
}

main().catch((err) => {
  process.stderr.write(`failsafe-latency: ${err.message}\n`);
  process.exit(1);
});
