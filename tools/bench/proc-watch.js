#!/usr/bin/env node
// Watches a process (or several, summed: a contender that runs one process per core) from outside,
// the same way for every load generator the peer bench compares: CPU ticks (utime + stime, all
// threads), RSS and open file descriptors, as JSON lines.
// Every 100 ms while the descriptor count still changes (the connect ramp), every second after.
// Stops when the process exits. CommonJS, no dependencies.
//
//   node tools/bench/proc-watch.js PID[,PID...] OUTFILE [cpu]
// With `cpu`, descriptors are not counted (a broker's 10k-entry fd table, read ten times a
// second, would cost it CPU) and samples are taken every 500 ms.
'use strict';

const fs = require('node:fs');

const [pidList, out, only] = process.argv.slice(2);
const cpuOnly = only === 'cpu';
if (!pidList || !out) {
  process.stderr.write('usage: proc-watch.js PID[,PID...] OUTFILE [cpu]\n');
  process.exit(2);
}
const pids = pidList.split(',');

const last = new Map();

/**
 * The processes' sum, undefined once every one of them has exited. One that exited before the
 * others keeps its last CPU ticks in the sum (so CPU over a window never goes backwards), not its
 * memory or descriptors.
 */
function sample() {
  let alive = 0;
  const sum = { t: Date.now(), ticks: 0, rssKiB: 0, fds: 0 };
  for (const pid of pids) {
    const s = sampleOne(pid);
    if (s !== undefined) {
      alive += 1;
      last.set(pid, s.ticks);
      sum.rssKiB += s.rssKiB;
      sum.fds += s.fds;
    }
    sum.ticks += s?.ticks ?? last.get(pid) ?? 0;
  }
  return alive > 0 ? sum : undefined;
}

function sampleOne(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return {
      ticks: Number(f[11]) + Number(f[12]),
      rssKiB: rss ? Number(rss[1]) : 0,
      fds: cpuOnly ? 0 : fs.readdirSync(`/proc/${pid}/fd`).length,
    };
  } catch {
    return undefined;
  }
}

const fd = fs.openSync(out, 'w');
let lastFds = -1;
let still = 0;
(function tick() {
  const s = sample();
  if (!s) {
    fs.closeSync(fd);
    return;
  }
  fs.writeSync(fd, `${JSON.stringify(s)}\n`);
  still = s.fds === lastFds ? still + 1 : 0;
  lastFds = s.fds;
  setTimeout(tick, cpuOnly ? 500 : still > 20 ? 1000 : 100);
})();
