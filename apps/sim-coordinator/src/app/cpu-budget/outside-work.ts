/** One process at a reading: what to call it, its CPU, its parent, and when it started. */
export interface ProcessCpu {
  label: string;
  /** Its own CPU and that of its children it has reaped (short-lived ones are seen only so). */
  cpuMs: number;
  ppid: number;
  /**
   * Its start (/proc/<pid>/stat field 22): a pid with another start is another process. Not its
   * name, which a kernel worker changes with the work it does (`kworker/u8:3-events_unbound`).
   */
  started: number;
}

/** Every process, and the machine's interrupt and steal time, at one reading. */
export interface ProcessReading {
  processes: ReadonlyMap<number, ProcessCpu>;
  interruptsMs: number;
  stealMs: number;
}

/** A share of work outside the run's components, % of one core; `key` tells processes apart. */
export interface OutsideShare {
  key: string;
  label: string;
  cpuPercent: number;
}

/**
 * The kernel's interrupt handling (irq and softirq time): on loopback mostly the run's own
 * network traffic, and on a kernel without IRQ time accounting also inside processes' time.
 */
export const INTERRUPTS_LABEL = "kernel interrupts (irq, softirq: the run's own traffic included)";
/** Time the hypervisor gave this machine's cores to other guests while they had work. */
export const STEAL_LABEL = 'steal (other guests of the host)';

/** Per second, enough entries that averaging over seconds does not drop a steady one. */
const KEPT_PER_SECOND = 20;

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * `covered` and every descendant of a covered process (a component's workers are its own): the
 * processes of `reading` whose ancestry reaches `covered`.
 */
export function withDescendants(
  covered: ReadonlySet<number>,
  processes: ReadonlyMap<number, ProcessCpu>,
): Set<number> {
  const known = new Map<number, boolean>();
  const isCovered = (pid: number, depth: number): boolean => {
    if (covered.has(pid)) {
      return true;
    }
    const cached = known.get(pid);
    if (cached !== undefined) {
      return cached;
    }
    const parent = processes.get(pid)?.ppid;
    const result = parent !== undefined && parent > 1 && depth < 64 && isCovered(parent, depth + 1);
    known.set(pid, result);
    return result;
  };
  const all = new Set(covered);
  for (const pid of processes.keys()) {
    if (isCovered(pid, 0)) {
      all.add(pid);
    }
  }
  return all;
}

/**
 * The work outside the run's components between two readings `ms` apart: each process not in
 * `covered` that used CPU (one that started in between counts from its start; one that exited
 * unreaped is not seen), the kernel's interrupt time and steal; biggest first, at most `top`,
 * under 1 % left out.
 */
export function outsideWork(
  before: ProcessReading,
  after: ProcessReading,
  covered: ReadonlySet<number>,
  ms: number,
  top = KEPT_PER_SECOND,
): OutsideShare[] {
  const shares: OutsideShare[] = [];
  const percent = (deltaMs: number): number => (deltaMs / Math.max(1, ms)) * 100;
  // A child reaped in between adds its whole CPU to its parent's reaped-children time; what of
  // it was seen while it ran (its last reading) was counted then, as the child's.
  const seenOfReaped = new Map<number, number>();
  for (const [pid, was] of before.processes) {
    if (after.processes.get(pid)?.started !== was.started) {
      seenOfReaped.set(was.ppid, (seenOfReaped.get(was.ppid) ?? 0) + was.cpuMs);
    }
  }
  for (const [pid, now] of after.processes) {
    if (covered.has(pid)) {
      continue;
    }
    const was = before.processes.get(pid);
    const same = was?.started === now.started;
    const used = same
      ? Math.max(0, now.cpuMs - was.cpuMs - (seenOfReaped.get(pid) ?? 0))
      : now.cpuMs;
    shares.push({ key: `${pid}@${now.started}`, label: now.label, cpuPercent: percent(used) });
  }
  const machine = (label: string, delta: number): OutsideShare => ({
    key: label,
    label,
    cpuPercent: percent(delta),
  });
  shares.push(machine(INTERRUPTS_LABEL, after.interruptsMs - before.interruptsMs));
  shares.push(machine(STEAL_LABEL, after.stealMs - before.stealMs));
  return biggest(shares, top);
}

/**
 * Each process's average over `seconds` (absent in a second = 0 there), by process, not name:
 * it is shown by its last name. Biggest first.
 */
export function averageOutside(seconds: readonly OutsideShare[][], top = 3): OutsideShare[] {
  const sum = new Map<string, OutsideShare>();
  for (const second of seconds) {
    for (const s of second) {
      const was = sum.get(s.key);
      sum.set(s.key, { ...s, cpuPercent: (was?.cpuPercent ?? 0) + s.cpuPercent });
    }
  }
  const n = Math.max(1, seconds.length);
  return biggest(
    [...sum.values()].map((s) => ({ ...s, cpuPercent: s.cpuPercent / n })),
    top,
  );
}

function biggest(shares: OutsideShare[], top: number): OutsideShare[] {
  return shares
    .filter((s) => s.cpuPercent >= 1)
    .sort((a, b) => b.cpuPercent - a.cpuPercent)
    .slice(0, top)
    .map((s) => ({ ...s, cpuPercent: round1(s.cpuPercent) }));
}
