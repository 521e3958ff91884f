import { describeCheck, type BusinessSummary } from '@sousvide/loadtest-contracts';
import type { AttemptOutcome, RunOutcome } from '../run/run.service';

type Row = [string, string];

/** The drain, the accounting with what was in flight, and every check of the gate, one row each. */
export function gateRows(a: AttemptOutcome, b: BusinessSummary): Row[] {
  const rows: Row[] = [];
  if (b.drain) {
    rows.push([
      '  drain',
      `waited ${(b.drain.waited_ms / 1000).toFixed(1)} s, stopped ${b.drain.stopped}: ${b.drain.detail}`,
    ]);
  }
  const acc = b.accounting;
  if (acc) {
    rows.push([
      '  accounting',
      `published ${acc.published} = stored ${acc.stored} + DLQ ${acc.in_dlq} + spool ${acc.in_spool} + ` +
        `in flight ${acc.in_flight} + lost ${acc.lost}${acc.lost === 0 ? '' : ' (MUST BE 0)'}; ` +
        `duplicates ${acc.duplicates}` +
        (acc.unconfirmed_arrived > 0 ? `; arrived unconfirmed ${acc.unconfirmed_arrived}` : ''),
    ]);
    const m = acc.in_flight_measured;
    if (m && (acc.in_flight > 0 || acc.lost > 0)) {
      const part = (n: number | null): string => (n === null ? 'not measured' : String(n));
      rows.push([
        '  in flight at cut-off',
        `broker queue ${part(m.broker)} | gateway buffers ${part(m.gateways)} | broker dropped ${part(m.brokerDropped)}` +
          (m.notes.length > 0 ? ` (${m.notes.join('; ')})` : ''),
      ]);
    }
  }
  for (const c of a.gate.checks) {
    rows.push([
      `  ${c.kind === 'slo' ? 'SLO' : 'check'} ${c.name}`,
      `${c.pass ? 'PASS' : 'FAIL'} ${describeCheck(c)}`,
    ]);
  }
  return rows;
}

/** The table's first line: the run's verdict and, when the gate decided it, which checks. */
export function verdictHead(outcome: RunOutcome): string {
  const last = outcome.attempts[outcome.attempts.length - 1];
  const failed = last ? last.gate.checks.filter((c) => !c.pass).map((c) => c.name) : [];
  const after = `after ${outcome.attempts.length} attempt(s)`;
  const head = `Run ${outcome.runId}:`;
  if (outcome.status === 'gate_failed') {
    return `${head} FAILED the gate (${failed.join(', ') || 'nothing received'}) ${after}`;
  }
  if (outcome.status === 'passed' && last && !last.gate.gated && !last.gate.pass) {
    return `${head} PASSED, not gated (would fail: ${failed.join(', ') || 'nothing received'}) ${after}`;
  }
  return `${head} ${outcome.status.toUpperCase()} ${after}`;
}
