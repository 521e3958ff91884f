// Open-loop QoS 1 publisher for the consumer benchmark (CommonJS; net + mqtt-packet, MQTT 3.1.1).
// Usage: node bench-publisher.js <mqttUrl> <connections> <totalRate msg/s> <durationSec> [payloadBytes]
// Message i of the run is due at start + i / rate on connection i % connections (phase-spread, no
// bursts on a timer tick), on topic sousvide/bench-<connection>/telemetry, its payload stamped
// with that due time (bench-common.js). Sends that fall behind are still sent, late: the stamp
// keeps the intended time, so lateness shows up as latency. Prints one JSON line at the end:
// offered/published/acked counts, achieved rate, PUBACK latency, worst schedule lag, own CPU.
'use strict';
const net = require('node:net');
const mqttPacket = require('mqtt-packet');
const { LatencyHistogram, stampedPayload } = require('./bench-common');

const [url, connectionsArg, rateArg, durationArg, sizeArg] = process.argv.slice(2);
const { hostname: host, port } = new URL(url);
const connections = Number(connectionsArg);
const rate = Number(rateArg);
const durationMs = Number(durationArg) * 1000;
const size = Number(sizeArg ?? 200);
const CONNECT_PARALLELISM = 100;
const TICK_MS = 2;
const DRAIN_MS = 15_000;

const ackLatency = new LatencyHistogram();
let published = 0;
let acked = 0;
let failed = 0;
let worstLagMs = 0;

function openConnection(k) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: Number(port || 1883) });
    socket.setNoDelay(true);
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    const conn = { socket, topic: `sousvide/bench-${k}/telemetry`, nextId: 0, pending: new Map() };
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') {
        return packet.returnCode === 0
          ? resolve(conn)
          : reject(new Error(`connack rc=${packet.returnCode}`));
      }
      if (packet.cmd === 'puback') {
        const dueAt = conn.pending.get(packet.messageId);
        if (dueAt !== undefined) {
          conn.pending.delete(packet.messageId);
          acked += 1;
          ackLatency.record(Date.now() - dueAt);
        }
      }
    });
    socket.on('data', (chunk) => parser.parse(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      failed += conn.pending.size;
      conn.pending.clear();
    });
    socket.write(
      mqttPacket.generate({
        cmd: 'connect',
        protocolVersion: 4,
        clientId: `bench-pub-${process.pid}-${k}`,
        clean: true,
        keepalive: 60,
      }),
    );
  });
}

function send(conn, dueAt) {
  conn.nextId = conn.nextId >= 65535 ? 1 : conn.nextId + 1;
  const messageId = conn.nextId;
  conn.pending.set(messageId, dueAt);
  conn.socket.write(
    mqttPacket.generate({
      cmd: 'publish',
      topic: conn.topic,
      payload: stampedPayload(dueAt, size),
      qos: 1,
      messageId,
      retain: false,
      dup: false,
    }),
  );
  published += 1;
}

async function main() {
  const all = [];
  for (let k = 0; k < connections; k += CONNECT_PARALLELISM) {
    const batch = [];
    for (let j = k; j < Math.min(k + CONNECT_PARALLELISM, connections); j += 1) {
      batch.push(openConnection(j));
    }
    all.push(...(await Promise.all(batch)));
  }
  const total = Math.round((rate * durationMs) / 1000);
  // A second after the last CONNACK, so connection set-up is not part of the publish window.
  const start = Date.now() + 1000;
  const cpu0 = process.cpuUsage();
  let i = 0;
  await new Promise((done) => {
    const timer = setInterval(() => {
      const now = Date.now();
      while (i < total) {
        const dueAt = start + Math.floor((i * 1000) / rate);
        if (dueAt > now) {
          break;
        }
        worstLagMs = Math.max(worstLagMs, now - dueAt);
        send(all[i % connections], dueAt);
        i += 1;
      }
      if (i >= total) {
        clearInterval(timer);
        done();
      }
    }, TICK_MS);
  });
  const sentAt = Date.now();
  while (acked + failed < published && Date.now() - sentAt < DRAIN_MS) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const cpu = process.cpuUsage(cpu0);
  const windowSec = (sentAt - start) / 1000;
  const report = {
    offered: total,
    published,
    acked,
    failed: failed + (published - acked - failed),
    achievedRate: Math.round(published / Math.max(windowSec, durationMs / 1000)),
    ackLatencyMs: ackLatency.summary(),
    worstLagMs,
    cpuSec: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
  for (const c of all) {
    c.socket.end(mqttPacket.generate({ cmd: 'disconnect' }));
  }
  setTimeout(() => process.exit(0), 500).unref();
}

main().catch((err) => {
  process.stderr.write(`bench publisher: ${err.message}\n`);
  process.exit(1);
});
