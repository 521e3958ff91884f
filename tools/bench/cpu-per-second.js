#!/usr/bin/env node
// Each second, every component's CPU on this machine as % of one core, and the machine's busy %,
// as JSON lines: gateway, agents, coordinator (node processes by their entry point), broker
// (mosquitto), redis, store (victoria-metrics), and the whole machine out of cores x 100. Put
// beside a run's series.jsonl (same `at` clock, ms) it says which component took the CPU in the
// seconds whose p95 spiked; cpu-budget.json has only the publish window's average.
// Stops by itself after SECONDS. CommonJS, no dependencies.
//
//   node tools/bench/cpu-per-second.js SECONDS OUTFILE
'use strict';

const fs = require('node:fs');
const os = require('node:os');

const [secondsArg, out] = process.argv.slice(2);
const seconds = Number(secondsArg);
if (!out || !Number.isInteger(seconds) || seconds <= 0 || seconds > 3600) {
  process.stderr.write('usage: cpu-per-second.js SECONDS(1-3600) OUTFILE\n');
  process.exit(2);
}
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const CORES = os.cpus().length;
const NODE_ENTRIES = [
  ['ingest-gateway', 'gateway'],
  ['sim-agent', 'agents'],
  ['sim-coordinator', 'coordinator'],
];
const BY_COMM = { mosquitto: 'broker', 'redis-server': 'redis', 'victoria-metric': 'store' };

function read(path) {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process exited between listing and reading
  }
}

/** The component a process belongs to, or undefined for everything else. */
function componentOf(pid) {
  const comm = read(`/proc/${pid}/comm`)?.trim();
  if (comm === 'node') {
    const cmdline = read(`/proc/${pid}/cmdline`) ?? '';
    return NODE_ENTRIES.find(([entry]) => cmdline.includes(entry))?.[1];
  }
  return comm === undefined ? undefined : BY_COMM[comm];
}

/** CPU ticks per process of a component, and the machine's idle and total ticks. */
function snapshot() {
  const procs = new Map();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) {
      continue;
    }
    const component = componentOf(pid);
    const stat = component && read(`/proc/${pid}/stat`);
    if (stat) {
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      procs.set(pid, { component, ticks: Number(f[11]) + Number(f[12]) });
    }
  }
  const cpu = fs
    .readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return { at: Date.now(), procs, idle: cpu[3] + cpu[4], total: cpu.reduce((a, b) => a + b, 0) };
}

let previous = snapshot();
let taken = 0;
const timer = setInterval(() => {
  const current = snapshot();
  const secs = (current.at - previous.at) / 1000;
  const row = { at: current.at };
  for (const [pid, { component, ticks }] of current.procs) {
    const before = previous.procs.get(pid)?.ticks ?? ticks; // a new process: counted from now
    row[component] = (row[component] ?? 0) + (ticks - before);
  }
  for (const key of Object.keys(row)) {
    if (key !== 'at') {
      row[key] = Math.round((row[key] / TICKS_PER_SECOND / secs) * 1000) / 10;
    }
  }
  const busy = 1 - (current.idle - previous.idle) / (current.total - previous.total);
  row.machine = Math.round(busy * CORES * 1000) / 10;
  fs.appendFileSync(out, `${JSON.stringify(row)}\n`);
  previous = current;
  taken += 1;
  if (taken >= seconds) {
    clearInterval(timer);
  }
}, 1000);
