#!/usr/bin/env node
// Figures of the peer bench from proc-watch.js files, one per contender, measured the same way:
//   connect rate: the contender's open descriptors rising from 1 % to 99 % of N above its base;
//   CPU and RSS: over a steady window starting 5 s after the connect ramp (WINDOW seconds long).
// Prints a Markdown table with each contender's ratio to the reference (the first one given).
//
//   node tools/bench/peer-report.js [--broker WATCHFILE] N WINDOW NAME=WATCHFILE[=NOTES[=MSG_PER_SEC]] ...
// With --broker (proc-watch of the broker), the broker's CPU in the second before each contender
// started, during its connect ramp and over its steady window is shown too: a connect rate the
// broker could not follow shows up there, and so does a broker still busy with the previous
// contender's connections when this one began (lean read 2.0-3.6k CONNECT/s that way on
// 2026-12-04 while its own ramp ran at ~5.5k/s: docs/benchmarks.md).
'use strict';

const fs = require('node:fs');

const HZ = 100; // USER_HZ of /proc/<pid>/stat
const TARGETS = { cpu: 0.5, rss: 0.25, connectRate: 2, leanConnectRate: 5000 };

const argv = process.argv.slice(2);
const brokerFile = argv[0] === '--broker' ? argv.splice(0, 2)[1] : undefined;
const [n, windowSec, ...specs] = argv;
const N = Number(n);

function readWatch(file) {
  return fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
const broker = brokerFile ? readWatch(brokerFile) : [];

/** % of one core a watched process used between t0 and t1 (nearest samples). */
function cpuBetween(rows, t0, t1) {
  const a = rows.filter((r) => r.t <= t0).pop() ?? rows[0];
  const b = rows.filter((r) => r.t <= t1).pop();
  return a && b && b.t > a.t ? ((b.ticks - a.ticks) / HZ / ((b.t - a.t) / 1000)) * 100 : undefined;
}

function figures(name, file, extra, msgRate) {
  let rows;
  try {
    rows = readWatch(file);
  } catch (err) {
    return { name, error: err.message };
  }
  if (rows.length < 3) {
    return { name, error: 'too few samples (the process ended early)' };
  }
  const base = rows[0].fds;
  const at = (share) => rows.find((r) => r.fds - base >= share * N);
  const first = at(0.01);
  let full = at(0.99);
  let reached = N;
  let note;
  if (!first) {
    return { name, error: 'never opened 1 % of the connections' };
  }
  if (!full) {
    // Report what it managed, over its ramp up to the most it held, and say so.
    reached = Math.max(...rows.map((r) => r.fds)) - base;
    full = rows.find((r) => r.fds - base >= reached);
    note = `reached only ~${reached} of ${N} connections`;
  }
  const connectRate = (reached - 0.01 * N) / Math.max(0.001, (full.t - first.t) / 1000);
  // A contender that never got all its connections is measured over its last WINDOW seconds.
  const end = rows[rows.length - 1].t - 2000;
  const from = note ? end - Number(windowSec) * 1000 : full.t + 5000;
  const to = note ? end : from + Number(windowSec) * 1000;
  const win = rows.filter((r) => r.t >= from && r.t <= to);
  if (win.length < 2) {
    return { name, connectRate, error: 'the process ended before the steady window' };
  }
  const a = win[0];
  const b = win[win.length - 1];
  const cpuPercent = ((b.ticks - a.ticks) / HZ / ((b.t - a.t) / 1000)) * 100;
  const rssMiB = Math.max(...win.map((r) => r.rssKiB)) / 1024;
  const brokerBefore = cpuBetween(broker, rows[0].t - 1000, rows[0].t);
  const brokerConnect = cpuBetween(broker, first.t, full.t);
  const brokerSteady = cpuBetween(broker, a.t, b.t);
  return {
    name,
    connectRate,
    cpuPercent,
    rssMiB,
    msgRate,
    cpuPerKmsg: msgRate > 0 ? cpuPercent / (msgRate / 1000) : undefined,
    brokerBefore,
    brokerConnect,
    brokerSteady,
    extra: [note, extra].filter(Boolean).join('; '),
  };
}

const rows = specs.map((s) => {
  const [name, file, extra, rate] = s.split('=');
  return figures(name, file, extra, Number(rate));
});
const ref = rows[0];
const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const ratio = (v, r) => (Number.isFinite(v) && Number.isFinite(r) && r > 0 ? (v / r).toFixed(2) : 'n/a');

console.log(`| contender | CONNECT/s | CPU % of a core | msg/s | CPU % per 1k msg/s | RSS MiB | CPU vs ${ref.name} | RSS vs ${ref.name} | connect rate vs ${ref.name} | broker CPU % before / connecting / steady | notes |`);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${f1(r.connectRate)} | ${f1(r.cpuPercent)} | ${f1(r.msgRate)} | ${f1(r.cpuPerKmsg)} | ${f1(r.rssMiB)} | ${r === ref ? '1' : ratio(r.cpuPercent, ref.cpuPercent)} | ${r === ref ? '1' : ratio(r.rssMiB, ref.rssMiB)} | ${r === ref ? '1' : ratio(r.connectRate, ref.connectRate)} | ${f1(r.brokerBefore)} / ${f1(r.brokerConnect)} / ${f1(r.brokerSteady)} | ${[r.error, r.extra].filter(Boolean).join('; ')} |`,
  );
}
if (!ref.error) {
  console.log('');
  for (const r of rows.slice(1).filter((x) => !x.error)) {
    const checks = [
      [`CPU <= ${TARGETS.cpu}x`, r.cpuPercent <= TARGETS.cpu * ref.cpuPercent],
      [`RSS <= ${TARGETS.rss}x`, r.rssMiB <= TARGETS.rss * ref.rssMiB],
      [`connect rate >= ${TARGETS.connectRate}x`, r.connectRate >= TARGETS.connectRate * ref.connectRate],
      ...(r.name.startsWith('lean') ? [[`>= ${TARGETS.leanConnectRate} CONNECT/s`, r.connectRate >= TARGETS.leanConnectRate]] : []),
    ];
    const busy =
      r.brokerBefore >= 25
        ? ` (the broker was at ${f1(r.brokerBefore)} % of a core as ${r.name} started: its connect rate includes the broker's clean-up of the previous contender)`
        : '';
    console.log(`${r.name} targets: ${checks.map(([k, ok]) => `${k} ${ok ? 'met' : 'MISSED'}`).join(', ')}${busy}`);
  }
}
