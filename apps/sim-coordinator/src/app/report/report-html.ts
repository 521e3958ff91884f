import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { SLO_TARGETS } from '@sousvide/loadtest-contracts';
import { esc, scriptJson } from './html';
import { CHARTS_SCRIPT } from './report-charts';
import {
  extrasSection,
  failureSection,
  generatorSection,
  partsSection,
  shapeSection,
  sloSection,
} from './report-sections';
import type { AttemptArtifacts } from './run-artifacts';
// The one import Nx's dependency scan can see: it puts uplot into the bundle's generated
// package.json, so a container's `npm ci` installs the files read below.
import type {} from 'uplot';

// From this file's location (the built main.js or the source), not a bundler's module ids:
// uPlot is read as text and inlined, never imported.
const requireHere = createRequire(__filename);

let uplot: { js: string; css: string } | undefined;
function uplotAssets(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(requireHere.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(requireHere.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
td[data-json] { font-variant-numeric: tabular-nums; }
.pass { color: #17692b; font-weight: 600; } .fail { color: #b00020; font-weight: 600; }
.chart { margin: 1em 0; } pre { background: #f6f6f6; padding: 0.5em; overflow: auto; max-height: 20em; }
`;

export const CHART_IDS = ['chart-rates', 'chart-connections', 'chart-latency', 'chart-backlog'];

/**
 * The page head (uPlot's CSS and ours), shared by the live page. An empty icon, or the browser
 * asks the server for /favicon.ico and logs its 404 as a console error.
 */
export function pageHead(title: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${uplotAssets().css}</style><style>${STYLE}</style></head>`;
}

/** uPlot and the chart script, inlined. */
export function chartScripts(): string {
  return `<script>${uplotAssets().js}</script>\n<script>${CHARTS_SCRIPT}</script>`;
}

export function chartDivs(): string {
  return CHART_IDS.map((id) => `<div class="chart" id="${id}"></div>`).join('\n');
}

/** A self-contained report.html for one attempt: opens from disk with no network. */
export function renderReport(a: AttemptArtifacts): string {
  const title = `Load test ${a.run.spec.runId}, attempt ${a.run.attempt}`;
  const charts = a.series.length
    ? chartDivs()
    : '<p>No series.jsonl for this attempt (a run from before the per-second series).</p>';
  return `${pageHead(title)}
<body>
<h1>${esc(title)}: <span class="${a.run.status === 'passed' ? 'pass' : 'fail'}" id="status">${esc((a.run.status ?? 'running').toUpperCase())}</span></h1>
${shapeSection(a)}
<section id="charts"><h2>Over time</h2>
${charts}
</section>
${sloSection(a)}
${generatorSection(a)}
${failureSection(a)}
${partsSection(a)}
${extrasSection(a)}
<script type="application/json" id="series-data">${scriptJson({ rows: a.series, sloP95Ms: SLO_TARGETS.p95LatencyMs })}</script>
${chartScripts()}
<script>reportChartsDraw(JSON.parse(document.getElementById('series-data').textContent));</script>
</body></html>
`;
}
