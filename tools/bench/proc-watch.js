#!/usr/bin/env node
// Watches one process from outside, the same way for every load generator the peer bench
// compares: CPU ticks (utime + stime, all threads), RSS and open file descriptors, as JSON lines.
// Every 100 ms while the descriptor count still changes (the connect ramp), every second after.
// Stops when the process exits. CommonJS, no dependencies.
//
//   node tools/bench/proc-watch.js PID OUTFILE [cpu]
// With `cpu`, descriptors are not counted (a broker's 10k-entry fd table, read ten times a
// second, would cost it CPU) and samples are taken every 500 ms.
'use strict';

const fs = require('node:fs');

const [pid, out, only] = process.argv.slice(2);
const cpuOnly = only === 'cpu';
if (!pid || !out) {
  process.stderr.write('usage: proc-watch.js PID OUTFILE\n');
  process.exit(2);
}

function sample() {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const rss = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return {
      t: Date.now(),
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
