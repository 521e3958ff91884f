#!/usr/bin/env node
// The ladder's table from its artifacts: one row per step and pass with the command, run id,
// published/failed, generator health (before any backend figure, which a saturated generator
// makes meaningless), e2e p95, every SLO verdict and each component's CPU over the publish window.
//
//   node tools/bench/ladder-report.js ARTIFACTS STAMP              (prints Markdown)
//   node tools/bench/ladder-report.js --write FILE ARTIFACTS STAMP (replaces the ladder section)
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const BEGIN = '<!-- ladder:begin (tools/bench/ladder.sh writes this section) -->';
const END = '<!-- ladder:end -->';
const COMPONENTS = ['agents', 'broker', 'gateway', 'redis', 'store'];

const readJson = (p) => {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'));
  } catch {
    return undefined;
  }
};
const num = (v) => (typeof v === 'number' ? v.toLocaleString('en-US') : '-');

// The coordinator's verdict as printed: PASSED, or FAILED with what failed (each missed SLO by
// name, the generator's reasons shortened), so a row never reads as a pass when an SLO missed.
function result(rc, run, refused) {
  if (refused) return `refused: ${refused}`;
  if (rc === '0') return 'PASSED';
  // `gate_failed` (exit 3): the run completed and an SLO or the loss accounting failed;
  // `failed`: an attempt did not complete.
  if (run?.status === 'failed' || run?.status === 'gate_failed') {
    const why = (run.reasons ?? []).map((r) =>
      r.startsWith('SLO missed: ')
        ? r.replace(/^SLO missed: (.*?) [\d.]+(ms|%) \(.*$/, 'SLO $1')
        : r.slice(0, 60),
    );
    const more = why.length > 3 ? `; +${why.length - 3} more in run.json` : '';
    return `**FAILED** (exit ${rc}): ${why.slice(0, 3).join('; ')}${more}`;
  }
  return /^\d+$/.test(rc) ? `exit ${rc}` : rc;
}

// One row's cells from a ladder.tsv line and the run's artifacts under DIR.
function row(dir, line) {
  const [mode, store, name, cmd, runId, rc, load] = line.split('\t');
  const at = path.join(dir, runId, 'attempt-1');
  const c = readJson(path.join(at, 'connection-summary.json'));
  const b = readJson(path.join(at, 'business-summary.json'));
  const cpu = readJson(path.join(at, 'cpu-budget.json'));
  const run = readJson(path.join(at, 'run.json'));
  const refused =
    !c && fs.existsSync(path.join(dir, `${runId}.err`))
      ? (fs
          .readFileSync(path.join(dir, `${runId}.err`), 'utf8')
          .match(/preflight refused[^\n]*\n\s+([^\n]+)/) || [])[1]
      : undefined;
  const slo = (b?.slo ?? []).map((v) => `${v.pass ? 'PASS' : '**FAIL**'} ${v.measured}${v.unit}`);
  const share = (n) => cpu?.components.find((x) => x.name === n)?.cpuPercent;
  const warnings = (run?.preflight?.checks ?? [])
    .filter((x) => x.status === 'warn')
    .map((x) => x.name);
  const generator = !c
    ? '-'
    : c.generator_saturated
      ? `**SATURATED** (${(c.generator_reasons ?? []).find((r) => r.includes(' publishing: ')) ?? ''})`
      : c.connect_generator_saturated
        ? 'ok (connect agent-bound)'
        : 'ok';
  return [
    `${mode}/${store}`,
    name,
    `\`${cmd}\``,
    runId,
    result(rc, run, refused),
    num(c?.published_total),
    num(c?.failed_total),
    c ? `${c.connected_total}/${c.devices}` : '-',
    c ? num(c.connect_rate_per_sec) : '-',
    generator,
    b ? `${b.e2e_latency_ms.p95}` : '-',
    ...[0, 1, 2, 3, 4].map((i) => slo[i] ?? '-'),
    ...COMPONENTS.map((n) => (share(n) === undefined ? '-' : `${share(n)}`)),
    cpu ? `${cpu.otherPercent}` : '-',
    [
      load,
      ...(warnings.length ? [`preflight warn: ${warnings.join(', ')}`] : []),
      // The coordinator's own note on a run crowded out by other work (cpu-budget.json).
      ...(cpu && cpu.crowdedOut ? [cpu.crowdedOut] : []),
    ].join('; '),
  ];
}

const HEAD = [
  'pass',
  'step',
  'command (verbatim)',
  'run id',
  'result',
  'published',
  'failed',
  'connected',
  'CONNECT/s',
  'generator',
  'e2e p95 ms',
  'SLO success',
  'SLO parse',
  'SLO Influx',
  'SLO Redis',
  'SLO p95',
  ...COMPONENTS.map((n) => `CPU ${n} %`),
  'CPU other %',
  'load; notes',
];
// A table cell: a `|` in it (a reason, a refusal, a command) escaped as GFM wants, even inside a
// code span, so it does not split the row.
const cell = (text) => String(text).replace(/\|/g, '\\|');

// The section's text: the machine, then the table of every step in DIR/ladder.tsv.
function report(dir, stamp) {
  const lines = fs
    .readFileSync(path.join(dir, 'ladder.tsv'), 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean);
  const table = [
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map(() => '---').join(' | ')} |`,
    ...lines.map((l) => `| ${row(dir, l).map(cell).join(' | ')} |`),
  ].join('\n');
  return [
    `Ladder ${stamp} on ${os.hostname()}: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, artifacts ${dir}. CPU columns: % of one core over each attempt's publish window ` +
      `(cpu-budget.json; 200 % = the whole machine); "other" is everything else the machine did, other people's jobs included; ` +
      `"load" is the 1-minute load average after the step.`,
    ...(fs.existsSync(path.join(dir, 'machine.txt'))
      ? ['', fs.readFileSync(path.join(dir, 'machine.txt'), 'utf8').trim().split('\n').join('; ')]
      : []),
    '',
    table,
  ].join('\n');
}

// DOC with TEXT between the ladder markers (kept) and everything outside them as it was;
// undefined when DOC has no ladder section. The end marker is the first one after the begin
// marker: one quoted earlier in the document is not the section's.
function replaceSection(doc, text) {
  const i = doc.indexOf(BEGIN);
  const j = i < 0 ? -1 : doc.indexOf(END, i + BEGIN.length);
  if (j < 0) {
    return undefined;
  }
  return `${doc.slice(0, i + BEGIN.length)}\n${text}\n${doc.slice(j)}`;
}

function main() {
  const args = process.argv.slice(2);
  const write = args[0] === '--write' ? args.splice(0, 2)[1] : undefined;
  const [dir, stamp] = args;
  const text = report(dir, stamp);
  if (!write) {
    console.log(text);
  } else {
    const doc = replaceSection(fs.readFileSync(write, 'utf8'), text);
    if (doc === undefined) {
      console.error(`${write} has no ladder section (${BEGIN} ... ${END}); add the markers first`);
      process.exit(1);
    }
    fs.writeFileSync(write, doc);
  }
}

if (require.main === module) {
  main();
}

module.exports = { BEGIN, END, HEAD, result, row, report, replaceSection };
