'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { BEGIN, END, HEAD, result, row, report, replaceSection } = require('./ladder-report');

const SLO_NAMES = [
  'ingestion success rate',
  'parse failure rate',
  'Influx write failure rate',
  'Redis heartbeat failure rate',
  'p95 end-to-end ingest latency',
];
/** A business summary's SLO verdicts, in its order; `missed` names the ones that failed. */
const slo = (measured, missed = []) =>
  SLO_NAMES.map((name, i) => ({
    name,
    measured: measured[i],
    unit: i === 4 ? 'ms' : '%',
    pass: !missed.includes(name),
  }));
const missedP95 =
  'SLO missed: p95 end-to-end ingest latency 684ms (target < 200ms, missed by 484ms)';

// The coordinator's note on a window crowded out by other work, as cpu-budget.json holds it.
const WHOLE =
  "the machine was saturated (busy 190% of 200%) and 60% went to work outside this run's components: latency figures measure the machine, not the stack";

let dir;
/** Writes DIR/file (JSON unless a string). */
const put = (file, content) => {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(
    path.join(dir, file),
    typeof content === 'string' ? content : JSON.stringify(content),
  );
};
const tsv = (...cells) => cells.join('\t');

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ladder-report-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('result', () => {
  it('is PASSED on exit 0', () => {
    expect(result('0', { status: 'passed' }, undefined)).toBe('PASSED');
  });

  it('is FAILED with each missed SLO by name when the gate failed', () => {
    const run = {
      status: 'gate_failed',
      reasons: [
        missedP95,
        'SLO missed: ingestion success rate 99.5% (target >= 99.9%, missed by 0.4%)',
      ],
    };
    expect(result('3', run, undefined)).toBe(
      '**FAILED** (exit 3): SLO p95 end-to-end ingest latency; SLO ingestion success rate',
    );
  });

  it('shortens other reasons to 60 characters and counts the ones past the third', () => {
    const long = `accounting missed: lost messages ${'5'.repeat(80)} messages`;
    const run = { status: 'failed', reasons: [long, 'b', 'c', 'd'] };
    expect(result('1', run, undefined)).toBe(
      `**FAILED** (exit 1): ${long.slice(0, 60)}; b; c; +1 more in run.json`,
    );
    expect(result('1', { ...run, reasons: ['a', 'b', 'c'] }, undefined)).toBe(
      '**FAILED** (exit 1): a; b; c',
    );
  });

  it('is the preflight refusal when the run was refused', () => {
    expect(result('1', undefined, 'broker unreachable')).toBe('refused: broker unreachable');
  });

  it('is the exit code of a run without a failed status, and a non-numeric rc as it is', () => {
    expect(result('2', undefined, undefined)).toBe('exit 2');
    expect(result('not run: time budget spent', undefined, undefined)).toBe(
      'not run: time budget spent',
    );
  });
});

describe('row', () => {
  it("has a cell per column: the run's figures, SLO verdicts in order, CPU per component, notes", () => {
    put('r1/attempt-1/connection-summary.json', {
      published_total: 600000,
      failed_total: 0,
      connected_total: 10000,
      devices: 10000,
      connect_rate_per_sec: 2577.3,
      generator_saturated: false,
      connect_generator_saturated: true,
    });
    put('r1/attempt-1/business-summary.json', {
      e2e_latency_ms: { p95: 33.024 },
      slo: slo([100, 0, 0, 0, 33.024]),
    });
    put('r1/attempt-1/cpu-budget.json', {
      cores: 2,
      machineBusyPercent: 190,
      otherPercent: 60,
      components: [
        { name: 'agents', cpuPercent: 41.1 },
        { name: 'gateway', cpuPercent: 33.4 },
      ],
      crowdedOut: WHOLE,
    });
    put('r1/attempt-1/run.json', {
      status: 'passed',
      preflight: {
        checks: [
          { name: 'swap', status: 'warn' },
          { name: 'disk', status: 'ok' },
        ],
      },
    });
    const cells = row(dir, tsv('strict', 'cold', 'pr2', 'SIM_TASK=x ./run.sh 1', 'r1', '0', '1.5'));
    expect(cells).toHaveLength(HEAD.length);
    expect(Object.fromEntries(HEAD.map((h, i) => [h, cells[i]]))).toEqual({
      pass: 'strict/cold',
      step: 'pr2',
      'command (verbatim)': '`SIM_TASK=x ./run.sh 1`',
      'run id': 'r1',
      result: 'PASSED',
      published: '600,000',
      failed: '0',
      connected: '10000/10000',
      'CONNECT/s': '2,577.3',
      generator: 'ok (connect agent-bound)',
      'e2e p95 ms': '33.024',
      'SLO success': 'PASS 100%',
      'SLO parse': 'PASS 0%',
      'SLO Influx': 'PASS 0%',
      'SLO Redis': 'PASS 0%',
      'SLO p95': 'PASS 33.024ms',
      'CPU agents %': '41.1',
      'CPU broker %': '-',
      'CPU gateway %': '33.4',
      'CPU redis %': '-',
      'CPU store %': '-',
      'CPU other %': '60',
      'load; notes': `1.5; preflight warn: swap; ${WHOLE}`,
    });
  });

  it('carries no crowded-out note where the coordinator wrote none', () => {
    put('r9/attempt-1/cpu-budget.json', {
      cores: 2,
      machineBusyPercent: 181.9,
      otherPercent: 8.4,
      components: [{ name: 'gateway', cpuPercent: 38.6 }],
    });
    const cells = row(dir, tsv('strict', 'warm', 'pr2', 'SIM_TASK=x ./run.sh 1', 'r9', '0', '2.0'));
    expect(cells[HEAD.indexOf('load; notes')]).toBe('2.0');
  });

  it('marks a failed step FAILED, a missed SLO **FAIL** and a saturated generator', () => {
    put('r2/attempt-1/connection-summary.json', {
      published_total: 1234,
      failed_total: 3,
      connected_total: 9,
      devices: 10,
      connect_rate_per_sec: 12,
      generator_saturated: true,
      generator_reasons: ['connect slow', 'agent-1 lagging publishing: 80% of target'],
    });
    put('r2/attempt-1/business-summary.json', {
      e2e_latency_ms: { p95: 684 },
      slo: slo([100, 0, 0, 0, 684], ['p95 end-to-end ingest latency']),
    });
    put('r2/attempt-1/run.json', { status: 'gate_failed', reasons: [missedP95] });
    const cells = row(dir, tsv('strict', 'warm', 'pr2', 'c', 'r2', '3', '2.5'));
    expect(cells[HEAD.indexOf('result')]).toBe(
      '**FAILED** (exit 3): SLO p95 end-to-end ingest latency',
    );
    expect(cells[HEAD.indexOf('SLO success')]).toBe('PASS 100%');
    expect(cells[HEAD.indexOf('SLO p95')]).toBe('**FAIL** 684ms');
    expect(cells[HEAD.indexOf('generator')]).toBe(
      '**SATURATED** (agent-1 lagging publishing: 80% of target)',
    );
    expect(cells[HEAD.indexOf('load; notes')]).toBe('2.5');
  });

  it("is the preflight's refusal, and dashes, for a step refused before it ran", () => {
    put('r3.err', 'starting\npreflight refused (1 check)\n   broker unreachable at mqtt://x\n');
    const cells = row(dir, tsv('bypass', 'warm', 'smoke', 'c', 'r3', '1', '0.3'));
    expect(cells).toHaveLength(HEAD.length);
    expect(cells[HEAD.indexOf('result')]).toBe('refused: broker unreachable at mqtt://x');
    expect(cells.slice(HEAD.indexOf('published'), -1).every((c) => c === '-')).toBe(true);
  });
});

describe('report', () => {
  it('is the machine line and a Markdown table with a row per ladder.tsv line', () => {
    put('machine.txt', 'machine: 2 cores\nload 0.1\n');
    put(
      'ladder.tsv',
      `${tsv('strict', 'cold', 'smoke', 'c', 'r1', '0', '1.5')}\n` +
        `${tsv('bypass', 'warm', '(every step)', '-', '-', 'no gateway: skipped', '')}\n`,
    );
    const lines = report(dir, '20261205-143617').split('\n');
    expect(lines[0]).toMatch(/^Ladder 20261205-143617 on /);
    expect(lines.slice(1, 4)).toEqual(['', 'machine: 2 cores; load 0.1', '']);
    const table = lines.slice(4);
    expect(table).toHaveLength(4);
    expect(table[0]).toBe(`| ${HEAD.join(' | ')} |`);
    for (const line of table) {
      expect(line.split(' | ')).toHaveLength(HEAD.length);
    }
    expect(table[3]).toContain('| no gateway: skipped |');
  });

  it('escapes a | inside a cell, so a reason holding one does not split its row', () => {
    put('r4/attempt-1/run.json', { status: 'failed', reasons: ['agent-2: broker | closed'] });
    put('ladder.tsv', `${tsv('strict', 'cold', 'pr2', 'a | b', 'r4', '1', '1.5')}\n`);
    const row4 = report(dir, 's').split('\n').pop();
    expect(row4.split(/(?<!\\) \| /)).toHaveLength(HEAD.length);
    expect(row4).toContain('| `a \\| b` |');
    expect(row4).toContain('**FAILED** (exit 1): agent-2: broker \\| closed');
  });
});

describe('replaceSection', () => {
  const doc = `# Benchmarks\n\nprose\n${BEGIN}\nold table\n${END}\n\n## Later\nmore prose\n`;

  it('replaces what is between the markers and leaves the rest of the document as it was', () => {
    expect(replaceSection(doc, 'new table')).toBe(
      `# Benchmarks\n\nprose\n${BEGIN}\nnew table\n${END}\n\n## Later\nmore prose\n`,
    );
  });

  it('gives the same document when run again on its own output', () => {
    const once = replaceSection(doc, 'new table');
    expect(replaceSection(once, 'new table')).toBe(once);
  });

  it('is undefined without both markers in order', () => {
    expect(replaceSection('# Benchmarks\n', 't')).toBeUndefined();
    expect(replaceSection(`${BEGIN}\nold\n`, 't')).toBeUndefined();
    expect(replaceSection(`${END}\nold\n${BEGIN}\n`, 't')).toBeUndefined();
  });

  it('takes the first end marker after the begin marker, not one quoted before it', () => {
    const quoted = `prose quoting ${END}\n${BEGIN}\nold\n${END}\ntail\n`;
    expect(replaceSection(quoted, 'new')).toBe(
      `prose quoting ${END}\n${BEGIN}\nnew\n${END}\ntail\n`,
    );
  });
});

describe('ladder-report.js --write FILE ARTIFACTS STAMP', () => {
  const script = path.join(__dirname, 'ladder-report.js');
  const cli = (...args) =>
    execFileSync(process.execPath, [script, ...args], { encoding: 'utf8', stdio: 'pipe' });

  it("writes the table into FILE's ladder section", () => {
    put('ladder.tsv', `${tsv('strict', 'cold', 'smoke', 'c', 'r1', '1', '0.3')}\n`);
    const file = path.join(dir, 'benchmarks.md');
    fs.writeFileSync(file, `before\n${BEGIN}\nold\n${END}\nafter\n`);
    cli('--write', file, dir, 'S1');
    const written = fs.readFileSync(file, 'utf8');
    expect(written).toBe(
      replaceSection(`before\n${BEGIN}\nold\n${END}\nafter\n`, report(dir, 'S1')),
    );
    expect(written).toContain('| strict/cold | smoke | `c` | r1 | exit 1 |');
  });

  it('fails and leaves FILE alone when it has no ladder section', () => {
    put('ladder.tsv', `${tsv('strict', 'cold', 'smoke', 'c', 'r1', '0', '0.3')}\n`);
    const file = path.join(dir, 'benchmarks.md');
    fs.writeFileSync(file, 'no markers\n');
    expect(() => cli('--write', file, dir, 'S1')).toThrow(/has no ladder section/);
    expect(fs.readFileSync(file, 'utf8')).toBe('no markers\n');
  });
});
