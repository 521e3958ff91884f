#!/usr/bin/env bash
# One line that says which machine a benchmark ran on, for comparing figures across days: cores and
# CPU model, the kernel build, what one system call costs (dd copying 1-byte blocks: a read and a
# write each), and the load average before the run. The same box can come back on another host or
# kernel build: on 2026-12-04 at noon a 1-byte dd cost 1.3 µs per call and the rig (agents and
# broker) spent 1.75x the CPU per message of that morning at 16k msg/s (docs/benchmarks.md, "The
# same targets on a slower host"), so absolute rates hold for one sitting; ratios within a run hold.
# And what a fixed piece of user-space work costs in CPU time (node: 3e7 steps of a linear
# congruential generator, ~0.8 s): on a quiet 2026-12-05 the same work took 721-875 ms over 150 s
# (docs/benchmarks.md, "One batch slot against two at PR2"), so the host's speed moves within a
# sitting too.
set -euo pipefail
n=${FINGERPRINT_CALLS:-400000}
secs=$(LC_ALL=C dd if=/dev/zero of=/dev/null bs=1 count="$n" 2>&1 | sed -n 's/.* copied, \([0-9.]*\) s.*/\1/p')
per_call=$(awk -v s="$secs" -v n="$n" 'BEGIN { printf "%.2f", s * 1e6 / (2 * n) }')
cpu_ms=$(node -e 'const c=process.cpuUsage();let x=0;for(let i=0;i<3e7;i++){x=(x*1103515245+12345)%2147483648}const u=process.cpuUsage(c);console.log(Math.round((u.user+u.system)/1000))')
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
echo "machine: $(nproc) cores ($model), kernel $(uname -r), $per_call µs per system call (dd bs=1), $cpu_ms ms CPU per fixed work unit (node), load $(cut -d' ' -f1-3 /proc/loadavg)"
