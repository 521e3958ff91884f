/** Cumulative CPU milliseconds of each component at one instant. */
export interface CpuSample {
  at: number;
  cpuMs: Record<string, number>;
}

export interface ComponentShare {
  name: string;
  /** % of one core over the window (200 % = both cores of a 2-core machine). */
  cpuPercent: number;
}

export interface CpuBudget {
  window: { from: string; to: string; seconds: number };
  cores: number;
  components: ComponentShare[];
  /** Everything the machine did in the window, % of one core. */
  machineBusyPercent: number;
  /** Busy time not in any component: the coordinator, the kernel's own work, other people's jobs. */
  otherPercent: number;
  /** Components that could not be read, with why. */
  unavailable: Record<string, string>;
  /**
   * Each second of the window between two samples: its end (ms since the epoch, the clock of
   * series.jsonl's `at`), each component's and the machine's % of one core. A p95 decided by a
   * single second's burst shows here, where the window's average hides it.
   */
  perSecond: { at: number; cpuPercent: Record<string, number> }[];
}

/** A cumulative counter at time t, linearly between the samples around it (clamped at the ends). */
function valueAt(samples: readonly CpuSample[], name: string, t: number): number {
  const withName = samples.filter((s) => s.cpuMs[name] !== undefined);
  if (withName.length === 0) {
    return 0;
  }
  if (t <= withName[0].at) {
    return withName[0].cpuMs[name];
  }
  for (let i = 1; i < withName.length; i += 1) {
    const a = withName[i - 1];
    const b = withName[i];
    if (t <= b.at) {
      const f = b.at === a.at ? 1 : (t - a.at) / (b.at - a.at);
      return a.cpuMs[name] + f * (b.cpuMs[name] - a.cpuMs[name]);
    }
  }
  return withName[withName.length - 1].cpuMs[name];
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * Each component's CPU over [from, to] from cumulative samples; `machine` is the special
 * component holding the whole machine's busy time.
 */
export function cpuBudget(
  samples: readonly CpuSample[],
  components: readonly string[],
  from: number,
  to: number,
  cores: number,
  unavailable: Record<string, string> = {},
): CpuBudget {
  const ms = Math.max(1, to - from);
  const percent = (name: string): number =>
    round1(((valueAt(samples, name, to) - valueAt(samples, name, from)) / ms) * 100);
  const shares = components.map((name) => ({ name, cpuPercent: percent(name) }));
  const machine = percent('machine');
  return {
    window: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      seconds: round1(ms / 1000),
    },
    cores,
    components: shares,
    machineBusyPercent: machine,
    otherPercent: round1(Math.max(0, machine - shares.reduce((a, s) => a + s.cpuPercent, 0))),
    unavailable,
    perSecond: perSecond(samples, [...components, 'machine'], from, to),
  };
}

/** The share of each of `names` between consecutive samples within [from, to]. */
function perSecond(
  samples: readonly CpuSample[],
  names: readonly string[],
  from: number,
  to: number,
): CpuBudget['perSecond'] {
  const inWindow = samples.filter((s) => s.at >= from && s.at <= to);
  const rows: CpuBudget['perSecond'] = [];
  for (let i = 1; i < inWindow.length; i += 1) {
    const a = inWindow[i - 1];
    const b = inWindow[i];
    const ms = Math.max(1, b.at - a.at);
    const cpuPercent: Record<string, number> = {};
    for (const name of names) {
      if (a.cpuMs[name] !== undefined && b.cpuMs[name] !== undefined) {
        cpuPercent[name] = round1(((b.cpuMs[name] - a.cpuMs[name]) / ms) * 100);
      }
    }
    rows.push({ at: b.at, cpuPercent });
  }
  return rows;
}

/**
 * A note when the machine was saturated and much of it went to work outside the run's components
 * (other people's jobs on a shared host): then latencies measure the machine, not the stack. The
 * thresholds: busy >= 90 % of all cores, and "other" >= a quarter of all cores.
 */
export function crowdedOutNote(b: CpuBudget): string | undefined {
  const capacity = b.cores * 100;
  if (b.machineBusyPercent < 0.9 * capacity || b.otherPercent < 0.25 * capacity) {
    return undefined;
  }
  return (
    `the machine was saturated (busy ${b.machineBusyPercent}% of ${capacity}%) and ${b.otherPercent}% went to ` +
    `work outside this run's components: latency figures measure the machine, not the stack`
  );
}
