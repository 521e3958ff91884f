/** One process's cumulative CPU at a reading, what to call it, and when it started. */
export interface ProcessCpu {
  label: string;
  cpuMs: number;
  /**
   * Its start (/proc/<pid>/stat field 22): a pid with another start is another process. Not its
   * name, which a kernel worker changes with the work it does (`kworker/u8:3-events_unbound`).
   */
  started: number;
}

/** A share of work outside the run's components, % of one core. */
export interface OutsideShare {
  label: string;
  cpuPercent: number;
}

/** What the kernel's interrupt handling (irq and softirq time, no process's) is called. */
export const INTERRUPTS_LABEL = 'kernel interrupts (irq, softirq)';

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * The work outside the run's components between two readings `ms` apart: each process not in
 * `covered` that used CPU (one that started in between counts from its start, one that exited is
 * not seen), and the kernel's interrupt time; biggest first, at most `top`, under 1 % left out.
 */
export function outsideWork(
  before: { processes: ReadonlyMap<number, ProcessCpu>; interruptsMs: number },
  after: { processes: ReadonlyMap<number, ProcessCpu>; interruptsMs: number },
  covered: ReadonlySet<number>,
  ms: number,
  top = 3,
): OutsideShare[] {
  const shares: OutsideShare[] = [];
  const percent = (deltaMs: number): number => (deltaMs / Math.max(1, ms)) * 100;
  for (const [pid, now] of after.processes) {
    if (covered.has(pid)) {
      continue;
    }
    const was = before.processes.get(pid);
    const used = now.cpuMs - (was?.started === now.started ? was.cpuMs : 0);
    shares.push({ label: now.label, cpuPercent: percent(used) });
  }
  shares.push({
    label: INTERRUPTS_LABEL,
    cpuPercent: percent(after.interruptsMs - before.interruptsMs),
  });
  return biggest(shares, top);
}

/** Each label's average over `seconds` (absent in a second = 0 there), biggest first. */
export function averageOutside(seconds: readonly OutsideShare[][], top = 3): OutsideShare[] {
  const sum = new Map<string, number>();
  for (const second of seconds) {
    for (const s of second) {
      sum.set(s.label, (sum.get(s.label) ?? 0) + s.cpuPercent);
    }
  }
  const n = Math.max(1, seconds.length);
  return biggest(
    [...sum].map(([label, total]) => ({ label, cpuPercent: total / n })),
    top,
  );
}

function biggest(shares: OutsideShare[], top: number): OutsideShare[] {
  return shares
    .filter((s) => s.cpuPercent >= 1)
    .sort((a, b) => b.cpuPercent - a.cpuPercent)
    .slice(0, top)
    .map((s) => ({ label: s.label, cpuPercent: round1(s.cpuPercent) }));
}
