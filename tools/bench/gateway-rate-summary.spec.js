'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { tally, sustained } = require('./gateway-rate-summary');

/** A results.jsonl line as gateway-rate-bench.sh writes it (p95 quoted, pass a boolean). */
const run = (rate, side, pass, p95 = '10', generator = 'ok') => ({
  rate,
  side,
  pass,
  p95,
  generator,
});

/** Runs of one side: per rate, [passed, total]. */
const ladder = (side, steps) =>
  Object.entries(steps).flatMap(([rate, [passed, total]]) =>
    Array.from({ length: total }, (_, i) => run(Number(rate), side, i < passed)),
  );

describe('tally', () => {
  it('counts runs, passes and saturated runs per rate (ascending) and side, with the median p95', () => {
    const rows = tally([
      run(4000, 'gateway', false, '250', 'saturated'),
      run(2000, 'gateway', true, '30'),
      run(2000, 'bare', true, '5'),
      run(2000, 'gateway', true, '10'),
      run(2000, 'gateway', false, '20', 'saturated'),
      run(4000, 'gateway', true, '150'),
      run(2000, 'bare', true, '7', 'unknown'),
    ]);
    expect(rows).toEqual([
      {
        rate: 2000,
        gateway: { runs: 3, passed: 2, saturated: 1, p95: 20 },
        bare: { runs: 2, passed: 2, saturated: 0, p95: 6 },
      },
      {
        rate: 4000,
        gateway: { runs: 2, passed: 1, saturated: 1, p95: 200 },
        bare: { runs: 0, passed: 0, saturated: 0, p95: undefined },
      },
    ]);
  });

  it('counts only pass === true as passed', () => {
    const [row] = tally([run(2000, 'bare', true), run(2000, 'bare', 'true'), run(2000, 'bare', 1)]);
    expect(row.bare.passed).toBe(1);
  });

  it('takes a missing or non-numeric p95 as Infinity, into the median', () => {
    const [row] = tally([
      run(2000, 'gateway', false, '-'),
      run(2000, 'gateway', true, '12.5'),
      { rate: 2000, side: 'gateway', pass: false, generator: 'ok' },
      run(2000, 'bare', true, 8),
      run(2000, 'bare', true, 'no report'),
      run(2000, 'bare', true, 4),
    ]);
    expect(row.gateway.p95).toBe(Infinity);
    expect(row.bare.p95).toBe(8);
    const [none] = tally([run(1000, 'bare', false, '-'), run(1000, 'bare', false, 'NaN')]);
    expect(none.bare.p95).toBe(Infinity);
  });

  it('takes a null or blank p95 as none, not as 0 ms', () => {
    const [row] = tally([
      run(2000, 'gateway', true, null),
      run(2000, 'gateway', true, ''),
      run(2000, 'gateway', true, ' '),
      run(2000, 'bare', true, null),
      run(2000, 'bare', true, '9'),
      run(2000, 'bare', true, ''),
    ]);
    expect(row.gateway.p95).toBe(Infinity);
    expect(row.bare.p95).toBe(Infinity);
  });
});

describe('sustained', () => {
  it('is the highest rate where more than half the runs passed, there and at every lower rate', () => {
    const rows = tally([
      ...ladder('gateway', { 2000: [3, 3], 4000: [2, 3], 6000: [2, 3], 8000: [1, 3] }),
      ...ladder('bare', { 2000: [3, 3], 4000: [3, 3], 6000: [3, 3], 8000: [3, 3] }),
    ]);
    expect(sustained(rows, 'gateway')).toBe(6000);
    expect(sustained(rows, 'bare')).toBe(8000);
  });

  it('does not count half the runs passing as most', () => {
    const rows = tally(ladder('gateway', { 2000: [1, 1], 4000: [2, 4], 6000: [4, 4] }));
    expect(sustained(rows, 'gateway')).toBe(2000);
  });

  it('ends at a failing lower rate even when higher rates pass', () => {
    const rows = tally(ladder('bare', { 2000: [2, 2], 4000: [0, 2], 6000: [2, 2], 8000: [2, 2] }));
    expect(sustained(rows, 'bare')).toBe(2000);
  });

  it('ends at a rate where that side has no runs', () => {
    const rows = tally([
      ...ladder('gateway', { 2000: [1, 1], 6000: [1, 1] }),
      ...ladder('bare', { 2000: [1, 1], 4000: [1, 1], 6000: [1, 1] }),
    ]);
    expect(sustained(rows, 'gateway')).toBe(2000);
    expect(sustained(rows, 'bare')).toBe(6000);
  });

  it('is 0 when the lowest rate failed, or nothing ran', () => {
    expect(sustained(tally(ladder('gateway', { 2000: [0, 1], 4000: [1, 1] })), 'gateway')).toBe(0);
    expect(sustained(tally([]), 'bare')).toBe(0);
  });
});

/** What gateway-rate-summary.js prints for a results.jsonl holding `text`. */
function summaryOf(text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-rate-summary-'));
  try {
    const file = path.join(dir, 'results.jsonl');
    fs.writeFileSync(file, text);
    return execFileSync(process.execPath, [path.join(__dirname, 'gateway-rate-summary.js'), file], {
      encoding: 'utf8',
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const jsonl = (runs) => runs.map((r) => JSON.stringify(r)).join('\n');

describe('gateway-rate-summary.js <results.jsonl>', () => {
  it("prints each side's sustained rate and the gateway's share of the bare subscriber's", () => {
    const runs = [
      ...ladder('gateway', { 4000: [1, 1], 8000: [1, 1], 12000: [1, 1], 16000: [0, 1] }),
      ...ladder('bare', { 4000: [1, 1], 8000: [1, 1], 12000: [1, 1], 16000: [1, 1] }),
    ];
    // A blank line at the end, as a joined file may have.
    const out = summaryOf(`${jsonl(runs)}\n\n`);
    expect(out).toContain(
      "gateway 12000 msg/s, bare 16000 msg/s; gateway 75 % of the bare subscriber's",
    );
    expect(out).toContain('the bare subscriber carried the highest rate stepped (16000)');
    expect(out).not.toContain('the gateway carried the highest rate stepped');
  });

  it('prints a median p95 to 0.1 ms', () => {
    const out = summaryOf(
      `${jsonl([
        run(14000, 'gateway', true, '42.24'),
        run(14000, 'gateway', true, '66.048'),
        run(14000, 'bare', true, '19'),
      ])}\n`,
    );
    expect(out).toContain('2/2 passed, median p95 54.1 ms');
    expect(out).not.toContain('54.144');
  });
});
