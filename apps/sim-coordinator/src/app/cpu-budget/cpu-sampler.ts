import { execFileSync } from 'node:child_process';
import { PartitionResult, PartOutcome } from '@sousvide/loadtest-contracts';
import { cpus } from 'node:os';
import { listPids, MS_PER_TICK, readText } from '../host/host-reader';
import { parseProcStatTotals, parseStatProcess, type StatProcess } from '../host/proc-files';
import { CpuComponent } from './cpu-components';
import { CpuBudget, cpuBudget, CpuSample } from './cpu-budget';
import {
  outsideWork,
  withDescendants,
  type OutsideShare,
  type ProcessCpu,
  type ProcessReading,
} from './outside-work';

const SAMPLE_MS = 1000;

/**
 * Every process's /proc/<pid>/stat at one sample, read once and shared by the components'
 * readers and the scan for work outside them.
 */
export type ProcessScan = ReadonlyMap<number, StatProcess>;

export function scanProcesses(): Map<number, StatProcess> {
  const scan = new Map<number, StatProcess>();
  for (const pid of listPids()) {
    const stat = readText(`/proc/${pid}/stat`);
    const p = stat === undefined ? undefined : parseStatProcess(stat);
    if (p !== undefined) {
      scan.set(pid, p);
    }
  }
  return scan;
}

/** A component's cumulative CPU ms, and the processes it is made of right now. */
interface Reader {
  cpuMs(scan: ProcessScan): number | undefined;
  pids(): number[];
}

/**
 * CPU ms of a set of processes; one that exited keeps its last value, so totals never drop. A
 * process is its pid and start: a pid reused by another process after one of the set exited is
 * not read as that one (its CPU would replace the first's, and the total drop).
 */
function processSetReader(pidsNow: (scan: ProcessScan) => number[]): Reader {
  const last = new Map<number, { started: number; ms: number }>();
  let current: number[] = [];
  return {
    cpuMs: (scan) => {
      current = [];
      for (const pid of pidsNow(scan)) {
        const p = scan.get(pid);
        const was = last.get(pid);
        if (p === undefined || (was !== undefined && was.started !== p.started)) {
          continue;
        }
        last.set(pid, { started: p.started, ms: p.ticks * MS_PER_TICK });
        current.push(pid);
      }
      return last.size === 0 ? undefined : [...last.values()].reduce((a, b) => a + b.ms, 0);
    },
    pids: () => current,
  };
}

/** The processes of a cgroup directory (v1 or v2 alike list them in cgroup.procs). */
function cgroupPids(dir: string): number[] {
  return (readText(`${dir}/cgroup.procs`) ?? '')
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

/** A container's whole cgroup (every process in it), cgroup v1 cpuacct or v2 cpu.stat. */
function containerReader(name: string): Reader {
  const pid = execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', name], {
    encoding: 'utf8',
    timeout: 5000,
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
  const cgroups = readText(`/proc/${pid}/cgroup`) ?? '';
  const v1 = /^\d+:[^:]*\bcpuacct\b[^:]*:(.+)$/m.exec(cgroups);
  if (v1) {
    const dir = `/sys/fs/cgroup/${v1[0].split(':')[1]}/${v1[1]}`;
    return {
      cpuMs: () => {
        const ns = Number(readText(`${dir}/cpuacct.usage`) ?? NaN);
        return Number.isFinite(ns) ? ns / 1e6 : undefined;
      },
      pids: () => cgroupPids(dir),
    };
  }
  const v2 = /^0::(.+)$/m.exec(cgroups);
  if (v2) {
    const dir = `/sys/fs/cgroup${v2[1]}`;
    return {
      cpuMs: () => {
        const m = /usage_usec (\d+)/.exec(readText(`${dir}/cpu.stat`) ?? '');
        return m ? Number(m[1]) / 1000 : undefined;
      },
      pids: () => cgroupPids(dir),
    };
  }
  throw new Error(`container ${name} (pid ${pid}): no cpu cgroup found`);
}

/**
 * The processes whose command line contains `contains`. A process's command line is read each
 * second until two readings in a row agree, then kept while the process (its pid, start and name)
 * lives: a process first seen between its fork and its exec still shows its parent's command line,
 * and an exec keeps the pid, the start and, for `node` running `node`, the name.
 */
export function cmdPidsReader(contains: string): (scan: ProcessScan) => number[] {
  const readMatch = (pid: number, was?: { match: boolean }) => {
    const match = (readText(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').includes(contains);
    return { match, settled: was?.match === match };
  };
  let known = new Map<string, { match: boolean; settled: boolean }>();
  return (scan) => {
    const seen = new Map<string, { match: boolean; settled: boolean }>();
    const pids: number[] = [];
    for (const [pid, p] of scan) {
      const key = `${pid}@${p.started}@${p.comm}`;
      const was = known.get(key);
      const now = was?.settled ? was : readMatch(pid, was);
      seen.set(key, now);
      if (now.match) {
        pids.push(pid);
      }
    }
    known = seen;
    return pids;
  };
}

/** Every process's CPU, name and parent. */
function processesOf(scan: ProcessScan): Map<number, ProcessCpu> {
  const processes = new Map<number, ProcessCpu>();
  for (const [pid, p] of scan) {
    const label = pid === process.pid ? 'this coordinator' : `${p.comm}[${pid}]`;
    processes.set(pid, {
      label,
      cpuMs: (p.ticks + p.childTicks) * MS_PER_TICK,
      ppid: p.ppid,
      started: p.started,
    });
  }
  return processes;
}

/** One attempt's sampling: every second until stop(), then the budget over a window. */
export class CpuSampling {
  private readonly samples: CpuSample[] = [];
  /** By sample time: the biggest work outside the components since the sample before. */
  private readonly outside = new Map<number, OutsideShare[]>();
  private lastReading?: ProcessReading & { at: number };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly readers: Map<string, Reader>,
    private readonly unavailable: Record<string, string>,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS).unref();
  }

  /** Stops sampling (idempotent), e.g. when the attempt failed. */
  halt(): void {
    clearInterval(this.timer);
  }

  /**
   * Stops sampling; the budget covers the publish window (first part's start to last part's
   * end), or is undefined when nothing was published.
   */
  overPublishWindow(outcomes: readonly PartOutcome[]): CpuBudget | undefined {
    this.halt();
    const results = outcomes
      .map((o) => o.result)
      .filter(
        (r): r is PartitionResult => r !== undefined && r.publishEndedAt > r.publishStartedAt,
      );
    if (results.length === 0) {
      return undefined;
    }
    this.sample();
    const from = Math.min(...results.map((r) => r.publishStartedAt));
    const to = Math.max(...results.map((r) => r.publishEndedAt));
    return cpuBudget(
      this.samples,
      [...this.readers.keys()],
      from,
      to,
      cpus().length,
      this.unavailable,
      (at) => this.outside.get(at) ?? [],
    );
  }

  private sample(): void {
    const at = Date.now();
    // The machine's busy, interrupt and steal time from one reading, then every process's, which
    // the components' readers and the outside-work scan share (the same few ms).
    const totals = parseProcStatTotals(readText('/proc/stat') ?? '');
    const scan = scanProcesses();
    const cpuMs: Record<string, number> = totals ? { machine: totals.busy * MS_PER_TICK } : {};
    const covered = new Set<number>();
    for (const [name, reader] of this.readers) {
      const v = reader.cpuMs(scan);
      if (v !== undefined) {
        cpuMs[name] = v;
      }
      reader.pids().forEach((pid) => covered.add(pid));
    }
    this.samples.push({ at, cpuMs });
    // Who else used the machine.
    const reading = {
      processes: processesOf(scan),
      interruptsMs: (totals?.interrupts ?? 0) * MS_PER_TICK,
      stealMs: (totals?.steal ?? 0) * MS_PER_TICK,
      at,
    };
    if (this.lastReading !== undefined) {
      this.outside.set(
        at,
        outsideWork(
          this.lastReading,
          reading,
          withDescendants(covered, reading.processes),
          at - this.lastReading.at,
        ),
      );
    }
    this.lastReading = reading;
  }
}

/**
 * Each attempt's CPU per component: the local agents and what CPU_BUDGET names (containers' cgroups,
 * pids, processes by command line), plus the machine's busy time.
 */
export class CpuBudgetSampler {
  constructor(private readonly components: readonly CpuComponent[]) {}

  /** Starts sampling every second; `agentPids` are the attempt's local agents, when any. */
  start(agentPids: (() => number[]) | undefined): CpuSampling {
    const readers = new Map<string, Reader>();
    const unavailable: Record<string, string> = {};
    if (agentPids) {
      readers.set('agents', processSetReader(agentPids));
    }
    for (const c of this.components) {
      try {
        readers.set(c.name, componentReader(c.source));
      } catch (err) {
        unavailable[c.name] = (err as Error).message.split('\n')[0];
      }
    }
    return new CpuSampling(readers, unavailable);
  }
}

function componentReader(s: CpuComponent['source']): Reader {
  switch (s.kind) {
    case 'container':
      return containerReader(s.name);
    case 'pid':
      return processSetReader(() => [s.pid]);
    case 'cmd':
      return processSetReader(cmdPidsReader(s.contains));
  }
}
