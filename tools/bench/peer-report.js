#!/usr/bin/env node
// Figures of the peer bench from proc-watch.js files, one per contender, measured the same way:
//   connect rate: the contender's open descriptors rising from 1 % to 99 % of N above its base;
//   CPU and RSS: over a steady window starting 5 s after the connect ramp (WINDOW seconds long).
// Prints a Markdown table with each contender's ratio to the reference (the first one given).
//
//   node tools/bench/peer-report.js N WINDOW NAME=WATCHFILE[=EXTRA] ...
'use strict';

const fs = require('node:fs');

const HZ = 100; // USER_HZ of /proc/<pid>/stat
const TARGETS = { cpu: 0.5, rss: 0.25, connectRate: 2, leanConnectRate: 5000 };

const [n, windowSec, ...specs] = process.argv.slice(2);
const N = Number(n);

function figures(name, file, extra) {
  let rows;
  try {
    rows = fs
      .readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  } catch (err) {
    return { name, error: err.message };
  }
  if (rows.length < 3) {
    return { name, error: 'too few samples (the process ended early)' };
  }
  const base = rows[0].fds;
  const at = (share) => rows.find((r) => r.fds - base >= share * N);
  const first = at(0.01);
  const full = at(0.99);
  if (!first || !full) {
    const top = Math.max(...rows.map((r) => r.fds)) - base;
    return { name, error: `never reached ${N} connections (at most ~${top} descriptors above base)` };
  }
  const connectRate = (0.98 * N) / Math.max(0.001, (full.t - first.t) / 1000);
  const from = full.t + 5000;
  const to = from + Number(windowSec) * 1000;
  const win = rows.filter((r) => r.t >= from && r.t <= to);
  if (win.length < 2) {
    return { name, connectRate, error: 'the process ended before the steady window' };
  }
  const a = win[0];
  const b = win[win.length - 1];
  const cpuPercent = ((b.ticks - a.ticks) / HZ / ((b.t - a.t) / 1000)) * 100;
  const rssMiB = Math.max(...win.map((r) => r.rssKiB)) / 1024;
  return { name, connectRate, cpuPercent, rssMiB, windowSec: (b.t - a.t) / 1000, extra };
}

const rows = specs.map((s) => {
  const [name, file, extra] = s.split('=');
  return figures(name, file, extra);
});
const ref = rows[0];
const f1 = (v) => (Number.isFinite(v) ? v.toFixed(1) : 'n/a');
const ratio = (v, r) => (Number.isFinite(v) && Number.isFinite(r) && r > 0 ? (v / r).toFixed(2) : 'n/a');

console.log(`| contender | CONNECT/s | CPU % of a core | RSS MiB | CPU vs ${ref.name} | RSS vs ${ref.name} | connect rate vs ${ref.name} | notes |`);
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${f1(r.connectRate)} | ${f1(r.cpuPercent)} | ${f1(r.rssMiB)} | ${r === ref ? '1' : ratio(r.cpuPercent, ref.cpuPercent)} | ${r === ref ? '1' : ratio(r.rssMiB, ref.rssMiB)} | ${r === ref ? '1' : ratio(r.connectRate, ref.connectRate)} | ${[r.error, r.extra].filter(Boolean).join('; ')} |`,
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
    console.log(`${r.name} targets: ${checks.map(([k, ok]) => `${k} ${ok ? 'met' : 'MISSED'}`).join(', ')}`);
  }
}
