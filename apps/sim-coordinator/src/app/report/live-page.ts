import { SLO_TARGETS } from '@sousvide/loadtest-contracts';
import { esc, scriptJson } from './html';
import { chartDivs, chartScripts, pageHead } from './report-html';

/**
 * The page of a running run: the report's charts, fed by server-sent events (`snapshot` with the
 * attempt's rows so far, then a `row` a second); on `end` it reloads, and the same address then
 * serves the finished run's report.
 */
export const LIVE_SCRIPT = String.raw`
(function () {
  var cfg = JSON.parse(document.getElementById('live-config').textContent);
  var rows = [];
  var attempt = 0;
  reportChartsDraw({ rows: rows, sloP95Ms: cfg.sloP95Ms });
  function show() {
    reportChartsUpdate(rows);
    document.getElementById('live-status').textContent =
      'attempt ' + attempt + ', ' + rows.length + ' s sampled' +
      (rows.length ? ', phase ' + rows[rows.length - 1].phase : '');
  }
  var es = new EventSource(cfg.events);
  es.addEventListener('snapshot', function (e) {
    var m = JSON.parse(e.data);
    attempt = m.attempt;
    rows = m.rows;
    show();
  });
  es.addEventListener('row', function (e) {
    var m = JSON.parse(e.data);
    if (m.attempt !== attempt) { attempt = m.attempt; rows = []; }
    rows.push(m.row);
    show();
  });
  es.addEventListener('end', function () {
    es.close();
    location.reload();
  });
})();
`;

export function renderLivePage(runId: string): string {
  const config = {
    events: `/dashboard/${encodeURIComponent(runId)}/events`,
    sloP95Ms: SLO_TARGETS.p95LatencyMs,
  };
  return `${pageHead(`Load test ${runId} (live)`)}
<body>
<p><a href="/dashboard">all runs</a></p>
<h1>Load test ${esc(runId)}: <span id="status">RUNNING</span></h1>
<p id="live-status">waiting for the first second</p>
<section id="charts">
${chartDivs()}
</section>
<script type="application/json" id="live-config">${scriptJson(config)}</script>
${chartScripts()}
<script>${LIVE_SCRIPT}</script>
</body></html>
`;
}

/** The dashboard's index: runs of this coordinator first, then those on disk. */
export function renderRunList(live: { runId: string; status: string }[], onDisk: string[]): string {
  const link = (id: string, status: string): string =>
    `<li><a href="/dashboard/${encodeURIComponent(id)}">${esc(id)}</a> ${esc(status)}</li>`;
  const known = new Set(live.map((r) => r.runId));
  return `${pageHead('Load tests')}
<body><h1>Load tests</h1>
<ul id="runs">
${[...live.map((r) => link(r.runId, r.status)), ...onDisk.filter((id) => !known.has(id)).map((id) => link(id, ''))].join('\n')}
</ul></body></html>
`;
}
