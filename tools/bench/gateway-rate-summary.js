// The summary of tools/bench/gateway-rate-bench.sh: for each rate stepped, each side's runs that
// passed (every published message arrived, p95 < 200 ms) and its median p95; then each side's
// highest rate sustained (most of its runs passed there and at every lower rate stepped) and the
// gateway's as a share of the bare subscriber's. Runs whose generator flagged itself saturated
// count as they came out and are marked.
// Usage: node gateway-rate-summary.js <results.jsonl>
'use strict';
const { readFileSync } = require('node:fs');

const SIDES = ['gateway', 'bare'];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A run's p95 in ms; Infinity when it has none: missing, '-', null or blank (which Number() alone
 * would read as 0 ms).
 */
function p95Of(run) {
  const v = run.p95;
  const n = typeof v === 'number' || (typeof v === 'string' && v.trim() !== '') ? Number(v) : NaN;
  return Number.isFinite(n) ? n : Infinity;
}

/** Per rate (ascending) and side: runs, passes, saturated runs, median p95 (Infinity: none). */
function tally(runs) {
  const rates = [...new Set(runs.map((r) => r.rate))].sort((a, b) => a - b);
  return rates.map((rate) => {
    const row = { rate };
    for (const side of SIDES) {
      const mine = runs.filter((r) => r.rate === rate && r.side === side);
      const p95s = mine.map(p95Of);
      row[side] = {
        runs: mine.length,
        passed: mine.filter((r) => r.pass === true).length,
        saturated: mine.filter((r) => r.generator === 'saturated').length,
        p95: mine.length > 0 ? median(p95s) : undefined,
      };
    }
    return row;
  });
}

/** The highest rate where most runs passed, at it and at every lower rate; 0 when none. */
function sustained(rows, side) {
  let best = 0;
  for (const row of rows) {
    const s = row[side];
    if (s.runs === 0 || s.passed * 2 <= s.runs) {
      break;
    }
    best = row.rate;
  }
  return best;
}

function cell(s) {
  if (!s || s.runs === 0) {
    return '-';
  }
  // The median of two p95s is their mean: 0.1 ms is the figures' own resolution.
  const p95 = Number.isFinite(s.p95) ? `${Math.round(s.p95 * 10) / 10} ms` : 'no p95';
  return `${s.passed}/${s.runs} passed, median p95 ${p95}${s.saturated ? `, ${s.saturated} saturated` : ''}`;
}

function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node gateway-rate-summary.js <results.jsonl>');
    process.exit(2);
  }
  const runs = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
  const rows = tally(runs);
  console.log('\nsummary (a run passes when every published message arrived and p95 < 200 ms)');
  console.log(`${'rate'.padEnd(8)} ${'gateway'.padEnd(52)} bare`);
  for (const row of rows) {
    console.log(`${String(row.rate).padEnd(8)} ${cell(row.gateway).padEnd(52)} ${cell(row.bare)}`);
  }
  const gateway = sustained(rows, 'gateway');
  const bare = sustained(rows, 'bare');
  const share =
    bare > 0
      ? `${Math.round((gateway / bare) * 1000) / 10} % of the bare subscriber's`
      : 'no bare rate to compare';
  console.log(
    `sustained (most runs passed there and at every lower rate stepped): gateway ${gateway} msg/s, bare ${bare} msg/s; gateway ${share}`,
  );
  const top = rows.length > 0 ? rows[rows.length - 1].rate : 0;
  if (bare > 0 && bare === top) {
    console.log(
      `the bare subscriber carried the highest rate stepped (${top}): its ceiling is higher, the share at most this`,
    );
  }
  if (gateway > 0 && gateway === top) {
    console.log(
      `the gateway carried the highest rate stepped (${top}): its ceiling is higher, the share at least this`,
    );
  }
}

if (require.main === module) {
  main();
}

module.exports = { tally, sustained };
