import { execFileSync } from 'node:child_process';
import { PartitionResult, PartOutcome } from '@sousvide/loadtest-contracts';
import { cpus } from 'node:os';
import { cpuMsOf, listPids, MS_PER_TICK, readText } from '../host/host-reader';
import { parseProcStatTotals } from '../host/proc-files';
import { CpuComponent } from './cpu-components';
import { CpuBudget, cpuBudget, CpuSample } from './cpu-budget';

const SAMPLE_MS = 1000;

type Reader = () => number | undefined;

/** CPU ms of a set of processes; one that exited keeps its last value, so totals never drop. */
function processSetReader(pidsNow: () => number[]): Reader {
  const last = new Map<number, number>();
  return () => {
    for (const pid of pidsNow()) {
      const ms = cpuMsOf(pid);
      if (ms !== undefined) {
        last.set(pid, ms);
      }
    }
    return last.size === 0 ? undefined : [...last.values()].reduce((a, b) => a + b, 0);
  };
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
    const dir = v1[0].split(':')[1];
    return () => {
      const ns = Number(readText(`/sys/fs/cgroup/${dir}/${v1[1]}/cpuacct.usage`) ?? NaN);
      return Number.isFinite(ns) ? ns / 1e6 : undefined;
    };
  }
  const v2 = /^0::(.+)$/m.exec(cgroups);
  if (v2) {
    return () => {
      const m = /usage_usec (\d+)/.exec(readText(`/sys/fs/cgroup${v2[1]}/cpu.stat`) ?? '');
      return m ? Number(m[1]) / 1000 : undefined;
    };
  }
  throw new Error(`container ${name} (pid ${pid}): no cpu cgroup found`);
}

function cmdPids(contains: string): number[] {
  return listPids().filter((pid) =>
    (readText(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ').includes(contains),
  );
}

/** One attempt's sampling: every second until stop(), then the budget over a window. */
export class CpuSampling {
  private readonly samples: CpuSample[] = [];
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
    const names = [...this.readers.keys()].filter((n) => n !== 'machine');
    return cpuBudget(this.samples, names, from, to, cpus().length, this.unavailable);
  }

  private sample(): void {
    const cpuMs: Record<string, number> = {};
    for (const [name, read] of this.readers) {
      const v = read();
      if (v !== undefined) {
        cpuMs[name] = v;
      }
    }
    this.samples.push({ at: Date.now(), cpuMs });
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
    readers.set('machine', () => {
      const t = parseProcStatTotals(readText('/proc/stat') ?? '');
      return t ? t.busy * MS_PER_TICK : undefined;
    });
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
      return processSetReader(() => cmdPids(s.contains));
  }
}
