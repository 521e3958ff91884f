#!/usr/bin/env node
// Prints the consumer benchmark's rows (JSON lines from consumer-bench.sh) as Markdown: one row
// per rate and subscriber, then per subscriber the highest rate sustained within the SLO, and the
// lean/MQTT.js ratio of CPU per message at each rate both ran. Usage: consumer-bench-report.js FILE
'use strict';
const fs = require('node:fs');

const rows = fs
  .readFileSync(process.argv[2], 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));
const lat = (e) => (e && e.p50 !== null ? `${e.p50} / ${e.p95} / ${e.p99}` : 'n/a');

console.log(
  '| offered msg/s | subscriber | published (achieved/s) | received | lost | e2e p50 / p95 / p99 ms | CPU s per 1k msgs | subscriber CPU | broker CPU | publisher CPU | publisher PUBACK p95 ms | sustained |',
);
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of rows) {
  console.log(
    `| ${r.rate} | ${r.subscriber} | ${r.published} (${r.achievedRate}) | ${r.received} | ${r.lost} | ${lat(r.e2eMs)} | ${r.subCpuSecPer1k} | ${r.subCpuPct} % | ${r.brokerCpuPct} % | ${r.pubCpuPct} % | ${r.pubAckP95Ms} | ${r.sustained ? 'yes' : 'no'} |`,
  );
}
console.log('');
for (const kind of ['mqttjs', 'lean']) {
  const ok = rows.filter((r) => r.subscriber === kind && r.sustained).map((r) => r.rate);
  console.log(
    `- ${kind}: highest rate sustained within p95 < 200 ms, nothing lost: ${ok.length ? Math.max(...ok) : 'none'} msg/s`,
  );
}
const rates = [...new Set(rows.map((r) => r.rate))];
const ratios = rates
  .map((rate) => {
    const a = rows.find((r) => r.rate === rate && r.subscriber === 'lean');
    const b = rows.find((r) => r.rate === rate && r.subscriber === 'mqttjs');
    return a && b && b.subCpuSecPer1k > 0
      ? `${rate}: ${(a.subCpuSecPer1k / b.subCpuSecPer1k).toFixed(2)}`
      : undefined;
  })
  .filter(Boolean);
console.log(`- CPU per message, lean / MQTT.js, per rate: ${ratios.join(', ')}`);
