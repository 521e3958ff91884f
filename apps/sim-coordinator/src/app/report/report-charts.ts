/**
 * The report's charts as plain browser JavaScript (no build step: the page must open from disk).
 * It reads the series rows from `#series-data` and draws one uPlot chart per entry of CHARTS,
 * time on the x axis, percentiles as lines, the SLO threshold as a dashed red line. The charts
 * are left in `window.reportCharts` so a browser test can count their series.
 */
export const CHARTS_SCRIPT = String.raw`
(function () {
  var data = JSON.parse(document.getElementById('series-data').textContent);
  var rows = data.rows;
  var charts = [
    { id: 'chart-rates', title: 'Messages per second', unit: 'msg/s', lines: [
      ['due (offered)', 'due', '#888'], ['acked', 'acked', '#1f77b4'], ['failed', 'failed', '#d62728'],
      ['received (gateways)', 'received', '#2ca02c'], ['stored', 'stored', '#9467bd'], ['DLQ', 'dlq', '#ff7f0e']] },
    { id: 'chart-connections', title: 'Connections', unit: 'devices', lines: [
      ['connected', 'connected', '#1f77b4'], ['reconnecting', 'reconnecting', '#d62728']] },
    { id: 'chart-latency', title: 'End-to-end ingest latency (per second)', unit: 'ms', slo: data.sloP95Ms, lines: [
      ['e2e p50', 'e2e_p50_ms', '#2ca02c'], ['e2e p95', 'e2e_p95_ms', '#ff7f0e'], ['e2e p99', 'e2e_p99_ms', '#d62728'],
      ['schedule lag max', 'schedule_lag_max_ms', '#888']] },
    { id: 'chart-backlog', title: 'Backlog: acked by the broker, not yet received by a gateway', unit: 'messages', lines: [
      ['backlog', 'backlog', '#9467bd']] }
  ];
  window.reportCharts = [];
  var xs = rows.map(function (r) { return r.at / 1000; });
  charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (!el) { return; }
    var series = [{}];
    var columns = [xs];
    c.lines.forEach(function (l) {
      series.push({ label: l[0], stroke: l[2], width: 2, spanGaps: false });
      columns.push(rows.map(function (r) { return r[l[1]] === undefined ? null : r[l[1]]; }));
    });
    if (c.slo !== undefined) {
      series.push({ label: 'SLO p95 < ' + c.slo + ' ms', stroke: '#d62728', width: 1, dash: [6, 4] });
      columns.push(rows.map(function () { return c.slo; }));
    }
    var opts = {
      title: c.title, width: Math.max(480, el.clientWidth || 900), height: 260, series: series,
      axes: [{}, { label: c.unit, size: 70 }], scales: { x: { time: true } }
    };
    window.reportCharts.push(new uPlot(opts, columns, el));
  });
})();
`;
