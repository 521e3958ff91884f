/**
 * One check of a run's gate: an SLO or the loss accounting, with its target, what was measured
 * and by how much it passed or missed (issue 14: a CI says which check failed and by how much).
 */
export interface GateCheck {
  name: string;
  kind: 'slo' | 'accounting';
  measured: number;
  comparison: '>=' | '<' | '<=';
  target: number;
  unit: '%' | 'ms' | 'messages';
  pass: boolean;
  /**
   * Distance from the target in the check's unit, signed so that >= 0 is on the passing side
   * (headroom) and < 0 is the miss. A strict `<` check at exactly its target has margin 0 and fails.
   */
  margin: number;
}

const round4 = (n: number): number => Math.round(n * 1e4) / 1e4;

/** A check from its figures; pass and margin follow from the comparison. */
export function gateCheck(c: Omit<GateCheck, 'pass' | 'margin'>): GateCheck {
  const pass =
    c.comparison === '>='
      ? c.measured >= c.target
      : c.comparison === '<'
        ? c.measured < c.target
        : c.measured <= c.target;
  const margin = c.comparison === '>=' ? c.measured - c.target : c.target - c.measured;
  return { ...c, pass, margin: round4(margin) };
}

const figure = (n: number, unit: GateCheck['unit']): string =>
  unit === 'messages' ? `${n} messages` : `${n}${unit}`;

/** E.g. `3325.95ms (target < 200ms, missed by 3125.95ms)`: what a table and a reason print. */
export function describeCheck(c: GateCheck): string {
  const distance = figure(Math.abs(c.margin), c.unit);
  return (
    `${figure(c.measured, c.unit)} (target ${c.comparison} ${figure(c.target, c.unit)}, ` +
    `${c.pass ? `margin ${distance}` : `missed by ${distance}`})`
  );
}
