import type { RunRecord } from './run-record.reader';

/** How much worse run B may be than run A before `loadtest diff` calls it a regression. */
export interface DiffTolerances {
  /** % drop allowed in throughput and connect rate. */
  ratePct: number;
  /** % growth allowed in a latency percentile... */
  latencyPct: number;
  /** ...and growth below this many ms never counts (noise of a shared machine). */
  latencyFloorMs: number;
}

export const DIFF_DEFAULTS: DiffTolerances = { ratePct: 10, latencyPct: 25, latencyFloorMs: 5 };

export interface DiffRow {
  metric: string;
  a: number | string;
  b: number | string;
  /** Relative change in %, when both are numbers and A is not 0. */
  changePct?: number;
  regressed: boolean;
}

export interface RunDiff {
  a: string;
  b: string;
  shapeDiffers: string[];
  rows: DiffRow[];
  regressed: boolean;
  regressions: string[];
}

/** The parameters that make two runs comparable; a differing one refuses the diff unless forced. */
export function shapeDifferences(a: RunRecord, b: RunRecord): string[] {
  const keys = ['connections', 'mps', 'qos', 'durationSec'] as const;
  return keys
    .filter((k) => a.shape[k] !== b.shape[k])
    .map((k) => `${k} ${a.shape[k]} vs ${b.shape[k]}`);
}

const change = (a: number, b: number): number | undefined =>
  a === 0 ? undefined : Math.round(((b - a) / a) * 1000) / 10;

function higherIsBetter(metric: string, a: number, b: number, t: DiffTolerances): DiffRow {
  const c = change(a, b);
  return {
    metric,
    a,
    b,
    ...(c !== undefined ? { changePct: c } : {}),
    regressed: b < a * (1 - t.ratePct / 100),
  };
}

function latency(metric: string, a: number, b: number, t: DiffTolerances): DiffRow {
  const c = change(a, b);
  const grew = b - a;
  return {
    metric,
    a,
    b,
    ...(c !== undefined ? { changePct: c } : {}),
    regressed: grew > t.latencyFloorMs && grew > (a * t.latencyPct) / 100,
  };
}

/** A count that should stay at zero (failures, loss): any growth is a regression. */
function count(metric: string, a: number, b: number): DiffRow {
  return { metric, a, b, regressed: b > a };
}

const pcts = ['p50', 'p95', 'p99'] as const;

export function diffRuns(a: RunRecord, b: RunRecord, t: DiffTolerances = DIFF_DEFAULTS): RunDiff {
  const rows: DiffRow[] = [
    {
      metric: 'verdict',
      a: a.passed ? 'passed' : 'failed',
      b: b.passed ? 'passed' : 'failed',
      regressed: a.passed && !b.passed,
    },
    { metric: 'model', a: a.shape.model, b: b.shape.model, regressed: false },
    higherIsBetter('throughput msg/s', a.throughput, b.throughput, t),
    higherIsBetter('connect rate /s', a.connectRate, b.connectRate, t),
    ...pcts.map((p) => latency(`connect ${p} ms`, a.connectLatency[p], b.connectLatency[p], t)),
    ...pcts.map((p) => latency(`publish->ack ${p} ms`, a.ackLatency[p], b.ackLatency[p], t)),
    count('failed messages', a.failed, b.failed),
    count('failed connects', a.connectFailed, b.connectFailed),
  ];
  const classes = new Set([...Object.keys(a.failures), ...Object.keys(b.failures)]);
  for (const cls of [...classes].sort()) {
    rows.push(count(`failures ${cls}`, a.failures[cls] ?? 0, b.failures[cls] ?? 0));
  }
  if (a.backend && b.backend) {
    const ab = a.backend;
    const bb = b.backend;
    rows.push(
      ...pcts.map((p) => latency(`e2e ingest ${p} ms`, ab.e2eLatency[p], bb.e2eLatency[p], t)),
    );
    for (const s of ab.slo) {
      const other = bb.slo.find((x) => x.name === s.name);
      if (other) {
        rows.push({
          metric: `SLO ${s.name}`,
          a: `${s.pass ? 'PASS' : 'FAIL'} ${s.measured}${s.unit}`,
          b: `${other.pass ? 'PASS' : 'FAIL'} ${other.measured}${other.unit}`,
          regressed: s.pass && !other.pass,
        });
      }
    }
    if (ab.lost !== undefined && bb.lost !== undefined) {
      rows.push(count('accounting lost', ab.lost, bb.lost));
    }
  } else if (a.backend !== b.backend) {
    rows.push({
      metric: 'business summary',
      a: a.backend ? 'yes' : 'none',
      b: b.backend ? 'yes' : 'none',
      regressed: a.backend !== undefined,
    });
  }
  const regressions = rows.filter((r) => r.regressed).map((r) => `${r.metric}: ${r.a} -> ${r.b}`);
  return {
    a: a.runId,
    b: b.runId,
    shapeDiffers: shapeDifferences(a, b),
    rows,
    regressed: regressions.length > 0,
    regressions,
  };
}
