#!/usr/bin/env node
// Prints the agent bench figures from connection-summary.json files (CommonJS, no dependencies).
//
//   node tools/bench/print-bench.js MODEL=PATH [MODEL=PATH ...]
//
// PATH is an attempt's connection-summary.json; a PATH that does not exist is reported as "no
// summary" (the run crashed or timed out before writing it). One table per model, then a
// side-by-side comparison in Markdown. Always exits 0: the bench reports figures, it is not a test.
'use strict';

const fs = require('node:fs');

const TARGETS = {
  connectRatePerSec: 3000,
  maxRateDeviation: 0.01,
};

const fmt = (v, digits = 1) =>
  typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a';
const lat = (s) => (s ? `${s.p50} / ${s.p95} / ${s.p99} / ${s.max} ms` : 'n/a');

/** "connect.econnrefused=3 publish.publish_timeout=7", non-zero classes only. */
function nonZeroFailures(byClass) {
  const out = [];
  for (const [stage, counts] of Object.entries(byClass || {})) {
    for (const [cls, n] of Object.entries(counts || {})) {
      if (n > 0) {
        out.push(`${stage}.${cls}=${n}`);
      }
    }
  }
  return out.length ? out.join(' ') : 'none';
}

/** The figures of one model, or undefined when its summary is missing or unreadable. */
function figures(model, path) {
  let s;
  try {
    s = JSON.parse(fs.readFileSync(path, 'utf8'));
  } catch (err) {
    return { model, path, error: err.code === 'ENOENT' ? 'no summary written' : err.message };
  }
  const part = (s.parts || [])[0] || {};
  const gen = part.generator || {};
  const connections = s.devices || 0;
  const ratio = s.offered_rate > 0 ? s.throughput_total / s.offered_rate : NaN;
  const targets = {
    connectRate: s.connect_rate_per_sec >= TARGETS.connectRatePerSec,
    zeroFailures: s.failed_total === 0 && (s.connect_failed_total || 0) === 0,
    rateWithin1pct: Number.isFinite(ratio) && Math.abs(ratio - 1) <= TARGETS.maxRateDeviation,
  };
  return {
    model,
    path,
    s,
    connections,
    partitions: s.partitions,
    status: s.status,
    connected: `${s.connected_total}/${connections}`,
    connectRate: s.connect_rate_per_sec,
    connectLatency: s.connect_latency_ms,
    achieved: s.throughput_total,
    offered: s.offered_rate,
    ratioPct: ratio * 100,
    publishedOfScheduled: `${s.published_total}/${s.scheduled_total}`,
    ack: s.publish_ack_latency_ms,
    lagP99: s.schedule_lag_ms ? s.schedule_lag_ms.p99 : undefined,
    failedTotal: s.failed_total,
    connectFailed: s.connect_failed_total,
    failures: nonZeroFailures(s.failures_by_class),
    rssBytes: gen.rssBytes,
    rssPerConnKiB:
      typeof gen.rssBytes === 'number' && connections > 0
        ? gen.rssBytes / connections / 1024
        : undefined,
    cpuPercent: gen.cpuPercent,
    loopP99: gen.eventLoopLagP99Ms,
    saturated: s.generator_saturated,
    saturationReasons: gen.reasons || [],
    reasons: s.failure_reasons || [],
    targets,
  };
}

const yesNo = (ok) => (ok ? 'MET' : 'MISSED');

function rows(f) {
  return [
    ['status (coordinator)', `${f.status}, ${f.partitions} partition(s)`],
    ['connected', f.connected],
    ['connect rate', `${fmt(f.connectRate)} CONNECT/s`],
    ['connect latency p50/p95/p99/max', lat(f.connectLatency)],
    [
      'publish rate achieved / offered',
      `${fmt(f.achieved, 2)} / ${fmt(f.offered, 2)} msg/s (${fmt(f.ratioPct, 2)} %)`,
    ],
    ['published / scheduled', f.publishedOfScheduled],
    ['publish->ack p50/p95/p99/max', lat(f.ack)],
    ['schedule lag p99', `${f.lagP99} ms`],
    ['failed_total', `${f.failedTotal} (connect failures ${f.connectFailed})`],
    ['failures by class', f.failures],
    [
      'RSS per connection',
      `${fmt(f.rssPerConnKiB, 2)} KiB (RSS ${fmt((f.rssBytes || 0) / 1048576, 1)} MiB / ${f.connections})`,
    ],
    ['agent CPU', `${fmt(f.cpuPercent)} % of one core`],
    ['event-loop delay p99', `${fmt(f.loopP99, 2)} ms`],
    [
      'generator saturated',
      f.saturated ? `YES (${f.saturationReasons.join('; ')})` : 'no',
    ],
    [`target: >= ${TARGETS.connectRatePerSec} CONNECT/s`, yesNo(f.targets.connectRate)],
    ['target: zero failures', yesNo(f.targets.zeroFailures)],
    ['target: achieved within 1% of offered', yesNo(f.targets.rateWithin1pct)],
  ];
}

function printTable(title, pairs) {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 2;
  console.log(title);
  console.log('-'.repeat(title.length));
  for (const [k, v] of pairs) {
    console.log(`${k.padEnd(width)}${v}`);
  }
  console.log('');
}

function main() {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    console.error('usage: print-bench.js MODEL=PATH [MODEL=PATH ...]');
    return;
  }
  const all = args.map((a) => {
    const eq = a.indexOf('=');
    return figures(a.slice(0, eq), a.slice(eq + 1));
  });
  for (const f of all) {
    if (f.error) {
      printTable(`model ${f.model}`, [
        ['summary', `${f.error} (${f.path})`],
        ['targets', 'not evaluated'],
      ]);
      continue;
    }
    printTable(`model ${f.model}  (${f.path})`, rows(f));
    for (const r of f.reasons.slice(0, 5)) {
      console.log(`  reason: ${r}`);
    }
    if (f.reasons.length) {
      console.log('');
    }
  }
  const ok = all.filter((f) => !f.error);
  if (ok.length > 0) {
    console.log('Comparison (Markdown)');
    console.log('');
    console.log(`| figure | ${ok.map((f) => f.model).join(' | ')} |`);
    console.log(`| --- | ${ok.map(() => '---:').join(' | ')} |`);
    const labels = rows(ok[0]).map(([k]) => k);
    const table = ok.map(rows);
    labels.forEach((label, i) => {
      console.log(`| ${label} | ${table.map((r) => r[i][1]).join(' | ')} |`);
    });
    console.log('');
  }
}

main();
