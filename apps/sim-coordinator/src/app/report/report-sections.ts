import { FAILURE_CLASSES } from '@sousvide/loadtest-contracts';
import { esc, flagCell, jsonCell, table, td } from './html';
import type { AttemptArtifacts } from './run-artifacts';

const section = (title: string, body: string, id: string): string =>
  `<section id="${id}"><h2>${esc(title)}</h2>\n${body}\n</section>`;

/** Spec, model, partitions and host facts: what was run, where. */
export function shapeSection(a: AttemptArtifacts): string {
  const s = a.run.spec;
  const rows = [
    ['run id', jsonCell('run.spec.runId', s.runId)],
    ['attempt', jsonCell('run.attempt', a.run.attempt)],
    ['status', jsonCell('run.status', a.run.status ?? 'running')],
    ['devices', jsonCell('run.spec.totalConnections', s.totalConnections)],
    ['partitions', jsonCell('run.shape.partitions', a.run.shape.partitions)],
    [
      'connect parallelism',
      jsonCell('run.shape.connectParallelism', a.run.shape.connectParallelism),
    ],
    ['msg/s per device', jsonCell('run.spec.mps', s.mps)],
    ['duration (s)', jsonCell('run.spec.durationSec', s.durationSec)],
    ['QoS', jsonCell('run.spec.qos', s.qos)],
    ['model', jsonCell('run.spec.model', s.model)],
    ['broker', jsonCell('run.spec.brokerUrl', s.brokerUrl)],
    ['agents', jsonCell('run.agents', a.run.agents)],
    ['started / ended', td(`${a.run.startedAt} / ${a.run.endedAt ?? '-'}`)],
    ...Object.entries(a.run.host ?? {})
      .filter(([, v]) => typeof v !== 'object')
      .map(([k, v]) => [`host ${k}`, jsonCell(`run.host.${k}`, v)]),
    ...(a.run.reasons ?? []).map((r, i) => [`reason ${i + 1}`, jsonCell(`run.reasons.${i}`, r)]),
  ];
  return section(
    'Run',
    table(
      ['', ''],
      rows.map(([k, v]) => [td(k), v]),
    ),
    'run',
  );
}

/** The generator's figures (connection-summary.json). */
export function generatorSection(a: AttemptArtifacts): string {
  const c = a.connection;
  if (!c) {
    return section('Generator', '<p>No connection-summary.json for this attempt.</p>', 'generator');
  }
  const lat = (k: 'connect_latency_ms' | 'publish_ack_latency_ms' | 'schedule_lag_ms'): string[] =>
    (['p50', 'p95', 'p99', 'max'] as const).map((p) => jsonCell(`connection.${k}.${p}`, c[k][p]));
  const rows = [
    [
      td('connected'),
      jsonCell('connection.connected_total', c.connected_total),
      td(''),
      td(''),
      td(''),
    ],
    [
      td('published'),
      jsonCell('connection.published_total', c.published_total),
      td(''),
      td(''),
      td(''),
    ],
    [td('failed'), jsonCell('connection.failed_total', c.failed_total), td(''), td(''), td('')],
    [
      td('throughput msg/s'),
      jsonCell('connection.throughput_total', c.throughput_total),
      td(''),
      td(''),
      td(''),
    ],
    [td('connect latency ms'), ...lat('connect_latency_ms')],
    [td('publish->ack ms'), ...lat('publish_ack_latency_ms')],
    [td('schedule lag ms'), ...lat('schedule_lag_ms')],
    [
      td('generator saturated'),
      flagCell('connection.generator_saturated', c.generator_saturated, 'YES', 'no'),
      td(''),
      td(''),
      td(''),
    ],
  ];
  return section(
    'Generator',
    table(['figure', 'value / p50', 'p95', 'p99', 'max'], rows),
    'generator',
  );
}

/** Failures by class, connect / publish / disconnect. */
export function failureSection(a: AttemptArtifacts): string {
  const f = a.connection?.failures_by_class;
  if (!f) {
    return '';
  }
  const kinds = ['connect', 'publish', 'disconnect'] as const;
  const rows = FAILURE_CLASSES.filter((cls) => kinds.some((k) => (f[k]?.[cls] ?? 0) > 0)).map(
    (cls) => [
      td(cls),
      ...kinds.map((k) => jsonCell(`connection.failures_by_class.${k}.${cls}`, f[k]?.[cls] ?? 0)),
    ],
  );
  const body = rows.length ? table(['class', ...kinds], rows) : '<p>No failures of any class.</p>';
  return section('Failure classes', body, 'failures');
}

/** SLO verdicts and the loss accounting (business-summary.json). */
export function sloSection(a: AttemptArtifacts): string {
  const b = a.business;
  if (!b) {
    return section('SLOs', '<p>No business-summary.json: no gateway counted this run.</p>', 'slo');
  }
  const slo = table(
    ['SLO', 'measured', 'target', 'verdict'],
    b.slo.map((v, i) => [
      td(v.name),
      jsonCell(`business.slo.${i}.measured`, v.measured),
      td(`${v.comparison} ${v.target} ${v.unit}`),
      flagCell(`business.slo.${i}.pass`, v.pass, 'PASS', 'FAIL'),
    ]),
  );
  const acc = b.accounting;
  const accounting = acc
    ? table(
        ['published', 'stored', 'in DLQ', 'in spool', 'lost', 'duplicates'],
        [
          (['published', 'stored', 'in_dlq', 'in_spool', 'lost', 'duplicates'] as const).map((k) =>
            jsonCell(`business.accounting.${k}`, acc[k]),
          ),
        ],
      )
    : '<p>No loss accounting (published total or DLQ count missing).</p>';
  const e2e = table(
    ['e2e p50 ms', 'p95', 'p99', 'max'],
    [
      (['p50', 'p95', 'p99', 'max'] as const).map((p) =>
        jsonCell(`business.e2e_latency_ms.${p}`, b.e2e_latency_ms[p]),
      ),
    ],
  );
  return section(
    'SLOs and loss accounting',
    `${slo}\n${e2e}\n<h3>Loss accounting</h3>\n${accounting}`,
    'slo',
  );
}

/** Per-part breakdown. */
export function partsSection(a: AttemptArtifacts): string {
  const parts = a.connection?.parts ?? [];
  if (parts.length === 0) {
    return '';
  }
  const rows = parts.map((p, i) => [
    jsonCell(`connection.parts.${i}.part`, p.part),
    jsonCell(`connection.parts.${i}.agentId`, p.agentId),
    jsonCell(`connection.parts.${i}.status`, p.status),
    jsonCell(`connection.parts.${i}.connected`, p.connected),
    jsonCell(`connection.parts.${i}.published_total`, p.published_total),
    jsonCell(`connection.parts.${i}.failed_total`, p.failed_total),
    jsonCell(`connection.parts.${i}.publish_ack_latency_ms.p95`, p.publish_ack_latency_ms?.p95),
  ]);
  return section(
    'Partitions',
    table(['part', 'agent', 'status', 'connected', 'published', 'failed', 'ack p95 ms'], rows),
    'parts',
  );
}

/** CPU budget and any other result files beside the attempt (cross-check, capacity, chaos). */
export function extrasSection(a: AttemptArtifacts): string {
  const cpu = a.cpu
    ? table(
        ['component', '% of a core (publish window)'],
        [
          ...a.cpu.components.map((c, i) => [
            td(c.name),
            jsonCell(`cpu.components.${i}.cpuPercent`, c.cpuPercent),
          ]),
          [td('other'), jsonCell('cpu.otherPercent', a.cpu.otherPercent)],
        ],
      )
    : '';
  const extras = Object.entries(a.extras).map(
    ([name, value]) => `<h3>${esc(name)}</h3><pre>${esc(JSON.stringify(value, null, 2))}</pre>`,
  );
  if (!cpu && extras.length === 0) {
    return '';
  }
  return section('CPU and other results', [cpu, ...extras].join('\n'), 'extras');
}
