/** Where one component's CPU is read from. */
export type CpuSource =
  | { kind: 'container'; name: string }
  | { kind: 'pid'; pid: number }
  | { kind: 'cmd'; contains: string };

export interface CpuComponent {
  name: string;
  source: CpuSource;
}

/** A bad CPU_BUDGET value: names the entry and what was wrong. */
export class CpuBudgetConfigError extends Error {
  readonly code = 'CPU_BUDGET_CONFIG';
}

/**
 * Parses CPU_BUDGET: `name=container:NAME`, `name=pid:N` or `name=cmd:TEXT` (processes whose
 * command line contains TEXT), comma-separated, e.g.
 * `broker=container:sousvide-mosquitto,gateway=pid:4242,redis=container:sousvide-redis`.
 */
export function parseCpuComponents(value: string | undefined): CpuComponent[] {
  const out: CpuComponent[] = [];
  for (const entry of (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const m = /^([\w.-]+)=(container|pid|cmd):(.+)$/.exec(entry);
    if (!m) {
      throw new CpuBudgetConfigError(
        `CPU_BUDGET entry "${entry}" is not name=container:NAME, name=pid:N or name=cmd:TEXT`,
      );
    }
    const [, name, kind, arg] = m;
    if (name === 'agents' || out.some((c) => c.name === name)) {
      throw new CpuBudgetConfigError(
        `CPU_BUDGET entry "${entry}": component "${name}" is ${name === 'agents' ? 'reserved for the local agents' : 'named twice'}`,
      );
    }
    if (kind === 'pid') {
      const pid = Number(arg);
      if (!Number.isInteger(pid) || pid < 1) {
        throw new CpuBudgetConfigError(
          `CPU_BUDGET entry "${entry}": pid must be a positive integer`,
        );
      }
      out.push({ name, source: { kind, pid } });
    } else if (kind === 'container') {
      out.push({ name, source: { kind, name: arg } });
    } else {
      out.push({ name, source: { kind: 'cmd', contains: arg } });
    }
  }
  return out;
}
