import { DLQ_KINDS, type DlqKind } from '@sousvide/loadtest-contracts';

export type ReplayOutcome = 'replayed' | 'skipped_duplicate' | 'failed_again' | 'corrupt';
const OUTCOMES: readonly ReplayOutcome[] = [
  'replayed',
  'skipped_duplicate',
  'failed_again',
  'corrupt',
];

type Counts = Record<ReplayOutcome, number>;
/** `unknown` holds corrupt entries whose kind cannot be read. */
type KindKey = DlqKind | 'unknown';

const zero = (): Counts => ({ replayed: 0, skipped_duplicate: 0, failed_again: 0, corrupt: 0 });

/** The JSON report (`--json`); field names are the command's public contract. */
export interface ReplayReportJson extends Counts {
  selected: number;
  remaining: number;
  dryRun: boolean;
  interrupted: boolean;
  byKind: Partial<Record<KindKey, Counts>>;
}

/** Running totals of one replay; every selected entry ends in exactly one outcome. */
export class ReplayReport {
  selected = 0;
  remaining = 0;
  interrupted = false;
  private readonly totals = zero();
  private readonly kinds = new Map<KindKey, Counts>();

  constructor(readonly dryRun: boolean) {}

  count(kind: unknown, outcome: ReplayOutcome): void {
    const key: KindKey = DLQ_KINDS.find((k) => k === kind) ?? 'unknown';
    let byKind = this.kinds.get(key);
    if (!byKind) {
      byKind = zero();
      this.kinds.set(key, byKind);
    }
    byKind[outcome]++;
    this.totals[outcome]++;
  }

  get processed(): number {
    return OUTCOMES.reduce((sum, o) => sum + this.totals[o], 0);
  }

  toJSON(): ReplayReportJson {
    return {
      selected: this.selected,
      ...this.totals,
      remaining: this.remaining,
      dryRun: this.dryRun,
      interrupted: this.interrupted,
      byKind: Object.fromEntries(this.kinds),
    };
  }

  /** One line for the once-a-second progress output on stderr. */
  progressLine(): string {
    const t = this.totals;
    return (
      `replay${this.dryRun ? ' (dry run)' : ''}: ${this.processed}/${this.selected}` +
      ` replayed=${t.replayed} skipped_duplicate=${t.skipped_duplicate}` +
      ` failed_again=${t.failed_again} corrupt=${t.corrupt}`
    );
  }

  /** Human table for stdout: one row per kind plus the total. */
  toTable(): string {
    const header = ['kind', ...OUTCOMES];
    const rows = [...this.kinds].map(([kind, c]) => [kind, ...OUTCOMES.map((o) => String(c[o]))]);
    rows.push(['total', ...OUTCOMES.map((o) => String(this.totals[o]))]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
        .join('  ');
    const title = this.dryRun ? 'DLQ replay (dry run: nothing changed)' : 'DLQ replay';
    return [
      `${title}${this.interrupted ? ' - interrupted' : ''}`,
      line(header),
      ...rows.map(line),
      `selected ${this.selected}, remaining in the DLQ (matching the filter) ${this.remaining}`,
      '',
    ].join('\n');
  }
}
