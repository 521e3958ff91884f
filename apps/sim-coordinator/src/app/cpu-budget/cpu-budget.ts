import { averageOutside, type OutsideShare } from './outside-work';

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
  /**
   * Seconds in which work outside the run's components crowded it out, when there were enough of
   * them to decide a p95 (see crowdedSpell); absent otherwise.
   */
  crowdedSeconds?: CrowdedSpell;
  /**
   * The note a crowded-out window gets, in the words every report prints (the summary's NOTE,
   * the ladder's table): written here once so no reader repeats the rules; absent otherwise.
   */
  crowdedOut?: string;
}

/** Seconds of a window in which the machine was saturated and much of it went to other work. */
export interface CrowdedSpell {
  /** How many such seconds, of how many the window had. */
  seconds: number;
  of: number;
  /** The first and last of them, in seconds into the window (1 = its first second). */
  first: number;
  last: number;
  /** Work outside the run's components in those seconds, % of one core: least and most. */
  otherPercent: { min: number; max: number };
  /**
   * Who did that work: the biggest processes outside the components (`comm[pid]`) and the
   * kernel's interrupt time, each's average over those seconds, % of one core. Absent where the
   * processes were not read (a budget built from samples alone).
   */
  outside?: Pick<OutsideShare, 'label' | 'cpuPercent'>[];
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
 * component holding the whole machine's busy time. `outsideOf(at)`: the work outside the
 * components in the second ending at sample time `at`, where it was read (it names who crowded
 * the run out).
 */
export function cpuBudget(
  samples: readonly CpuSample[],
  components: readonly string[],
  from: number,
  to: number,
  cores: number,
  unavailable: Record<string, string> = {},
  outsideOf?: (at: number) => OutsideShare[],
): CpuBudget {
  const ms = Math.max(1, to - from);
  const percent = (name: string): number =>
    round1(((valueAt(samples, name, to) - valueAt(samples, name, from)) / ms) * 100);
  const shares = components.map((name) => ({ name, cpuPercent: percent(name) }));
  const machine = percent('machine');
  const rows = perSecond(samples, [...components, 'machine'], from, to);
  const spell = crowdedSpell(rows, components, cores, { from, to }, outsideOf);
  const budget: CpuBudget = {
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
    perSecond: rows,
    ...(spell === undefined ? {} : { crowdedSeconds: spell }),
  };
  const note = crowdedOutNote(budget);
  return note === undefined ? budget : { ...budget, crowdedOut: note };
}

/**
 * The seconds in which the machine was busy >= 90 % of all cores and work outside the run's
 * components took >= a fifth of them (on 2 cores, 40 % of one), when they are at least 5 % of the
 * window's seconds: as many as decide its p95 (a second's messages wait behind that work, and the
 * backlog it leaves). A second's "other" is the machine's busy time less the components', each
 * read a few ms apart, so it wobbles by about 20 points of a core around its true value: the
 * threshold sits above that.
 */
export function crowdedSpell(
  rows: CpuBudget['perSecond'],
  components: readonly string[],
  cores: number,
  window: { from: number; to: number },
  outsideOf?: (at: number) => OutsideShare[],
): CrowdedSpell | undefined {
  // A row is the time since the sample before (about a second; longer when the coordinator's
  // own loop was held up, which a crowded machine does): counted by its length, placed by its end.
  const crowded: { at: number; ms: number; other: number }[] = [];
  rows.forEach((row, i) => {
    const other = otherOf(row, components);
    if (isCrowdedSecond(row, other, components, cores)) {
      const ms = i === 0 ? 1000 : row.at - rows[i - 1].at;
      crowded.push({ at: row.at, ms, other: round1(other) });
    }
  });
  const windowMs = window.to - window.from;
  const crowdedMs = crowded.reduce((a, c) => a + c.ms, 0);
  if (crowded.length === 0 || crowdedMs < 0.05 * windowMs) {
    return undefined;
  }
  const secondOf = (at: number): number => Math.max(1, Math.ceil((at - window.from) / 1000));
  const others = crowded.map((c) => c.other);
  return {
    seconds: Math.round(crowdedMs / 1000),
    of: Math.round(windowMs / 1000),
    first: secondOf(crowded[0].at - crowded[0].ms + 1),
    last: secondOf(crowded[crowded.length - 1].at),
    otherPercent: { min: Math.min(...others), max: Math.max(...others) },
    ...(outsideOf === undefined
      ? {}
      : {
          outside: averageOutside(crowded.map((c) => outsideOf(c.at))).map(
            ({ label, cpuPercent }) => ({ label, cpuPercent }),
          ),
        }),
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

/** A second's work outside the components, % of one core (see crowdedSpell). */
function otherOf(row: CpuBudget['perSecond'][number], components: readonly string[]): number {
  const machine = row.cpuPercent['machine'] ?? 0;
  return machine - components.reduce((a, n) => a + (row.cpuPercent[n] ?? 0), 0);
}

/**
 * Whether in this second the machine was busy >= 90 % and other work (`other`, its otherOf) took
 * >= a fifth of it.
 */
function isCrowdedSecond(
  row: CpuBudget['perSecond'][number],
  other: number,
  components: readonly string[],
  cores: number,
): boolean {
  const capacity = cores * 100;
  const machine = row.cpuPercent['machine'];
  // A component not read in this second would be taken for other work: no verdict then.
  const read = components.every((n) => row.cpuPercent[n] !== undefined);
  return read && machine !== undefined && machine >= 0.9 * capacity && other >= 0.2 * capacity;
}

/**
 * A note when the machine was saturated and much of it went to work outside the run's components
 * (other people's jobs on a shared host): then latencies measure the machine, not the stack. Over
 * the whole window (busy >= 90 % of all cores, "other" >= a quarter of them), or in enough of its
 * seconds to decide the p95 (crowdedSpell).
 */
function crowdedOutNote(b: CpuBudget): string | undefined {
  const capacity = b.cores * 100;
  const c = b.crowdedSeconds;
  const who = c?.outside?.length
    ? ` (${c.outside.map((o) => `${o.label} ${o.cpuPercent}%`).join(', ')})`
    : '';
  if (b.machineBusyPercent >= 0.9 * capacity && b.otherPercent >= 0.25 * capacity) {
    return (
      `the machine was saturated (busy ${b.machineBusyPercent}% of ${capacity}%) and ${b.otherPercent}% went to ` +
      `work outside this run's components${who}: latency figures measure the machine, not the stack`
    );
  }
  if (c === undefined) {
    return undefined;
  }
  const when = c.first === c.last ? `second ${c.first}` : `seconds ${c.first}-${c.last}`;
  const other =
    c.otherPercent.min === c.otherPercent.max
      ? `${c.otherPercent.max}%`
      : `${c.otherPercent.min}-${c.otherPercent.max}%`;
  return (
    `in ${c.seconds} of the window's ${c.of} seconds (${when}) the machine was saturated and ${other} of a core ` +
    `went to work outside this run's components${who}: enough to decide a p95, which then measures the machine, not the stack`
  );
}
