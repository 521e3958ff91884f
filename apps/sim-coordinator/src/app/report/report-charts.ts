/**
 * The charts of the report and of the live page, one implementation, as plain browser JavaScript
 * (no build step: the report must open from disk). `reportChartsDraw({rows, sloP95Ms})` draws one
 * uPlot chart per entry, time on the x axis, percentiles as lines, the SLO threshold as a dashed
 * red line; `reportChartsUpdate(rows)` redraws them with more rows (the live page). The charts
 * are left in `window.reportCharts` so a browser test can count their series and read their data.
 */
export const CHARTS_SCRIPT = String.raw`
(function () {
  var charts = [
    { id: 'chart-rates', title: 'Messages per sample (one a second; a late sample covers the gap)', unit: 'messages', lines: [
      ['due (offered)', 'due', '#888'], ['acked', 'acked', '#1f77b4'], ['failed', 'failed', '#d62728'],
      ['received (gateways)', 'received', '#2ca02c'], ['stored', 'stored', '#9467bd'], ['DLQ', 'dlq', '#ff7f0e']] },
    { id: 'chart-connections', title: 'Connections', unit: 'devices', lines: [
      ['connected', 'connected', '#1f77b4'], ['reconnecting', 'reconnecting', '#d62728']] },
    { id: 'chart-latency', title: 'End-to-end ingest latency (per second)', unit: 'ms', slo: true, lines: [
      ['e2e p50', 'e2e_p50_ms', '#2ca02c'], ['e2e p95', 'e2e_p95_ms', '#ff7f0e'], ['e2e p99', 'e2e_p99_ms', '#d62728'],
      ['schedule lag max', 'schedule_lag_max_ms', '#888']] },
    { id: 'chart-backlog', title: 'Backlog: acked by the broker, not yet received by a gateway', unit: 'messages', lines: [
      ['backlog', 'backlog', '#9467bd']] }
  ];
  var drawn = [];
  function columns(c, rows, slo) {
    var cols = [rows.map(function (r) { return r.at / 1000; })];
    c.lines.forEach(function (l) {
      cols.push(rows.map(function (r) { return r[l[1]] === undefined ? null : r[l[1]]; }));
    });
    if (c.slo) { cols.push(rows.map(function () { return slo; })); }
    return cols;
  }
  window.reportChartsDraw = function (data) {
    window.reportCharts = [];
    charts.forEach(function (c) {
      var el = document.getElementById(c.id);
      if (!el) { return; }
      var series = [{}];
      c.lines.forEach(function (l) { series.push({ label: l[0], stroke: l[2], width: 2 }); });
      if (c.slo) {
        series.push({ label: 'SLO p95 < ' + data.sloP95Ms + ' ms', stroke: '#d62728', width: 1, dash: [6, 4] });
      }
      var opts = {
        title: c.title, width: Math.max(480, el.clientWidth || 900), height: 260, series: series,
        axes: [{}, { label: c.unit, size: 70 }], scales: { x: { time: true } }
      };
      var u = new uPlot(opts, columns(c, data.rows, data.sloP95Ms), el);
      drawn.push({ def: c, u: u, slo: data.sloP95Ms });
      window.reportCharts.push(u);
    });
  };
  window.reportChartsUpdate = function (rows) {
    drawn.forEach(function (d) { d.u.setData(columns(d.def, rows, d.slo)); });
  };
})();
`;
