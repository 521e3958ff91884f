import { LatencyStats } from '@sousvide/shared-util';
import { AttemptProgress } from '../run/attempt-supervisor';
import { RunOutcome } from '../run/run.service';
import { acceptQueueNote } from '../run/accept-drops';
import { closedLoopRows } from './closed-loop-rows';
import { deviceRows } from './device-rows';
import { gateRows, verdictHead } from './gate-rows';

const lat = (s: LatencyStats): string => `${s.p50} / ${s.p95} / ${s.p99} / ${s.max} ms`;

export function progressLine(attempt: number, p: AttemptProgress, startedAt: number): string {
  const secs = Math.round((Date.now() - startedAt) / 1000);
  return (
    `[attempt ${attempt}] ${p.phase.padEnd(10)} t=${secs}s parts=${p.partsDone}/${p.parts} ` +
    `connected=${p.connected}/${p.devices} published=${p.published} failed=${p.failed}`
  );
}

/** The human summary printed at the end of a run. */
export function summaryTable(outcome: RunOutcome): string {
  const rows: [string, string][] = [];
  for (const a of outcome.attempts) {
    const s = a.summary;
    rows.push([
      `attempt ${a.attempt}`,
      `${a.status === 'gate_failed' ? 'FAILED THE GATE' : a.status.toUpperCase()}  (${a.partitions} partitions, parallelism ${a.connectParallelism})`,
    ]);
    rows.push([
      '  devices connected',
      `${s.connected_total}/${s.devices} (failed ${s.connect_failed_total})`,
    ]);
    rows.push(['  published_total', String(s.published_total)]);
    rows.push(['  failed_total', String(s.failed_total)]);
    rows.push(['  connection success rate', `${(s.connection_success_rate * 100).toFixed(3)}%`]);
    rows.push(['  throughput_total', `${s.throughput_total} msg/s (offered ${s.offered_rate})`]);
    rows.push(...closedLoopRows(s));
    rows.push([
      '  connect rate',
      `${s.connect_rate_per_sec} /s${s.connect_generator_saturated ? ' (AGENT-BOUND: the agents, not the broker, set this rate)' : ''}`,
    ]);
    rows.push(['  connect p50/p95/p99/max', lat(s.connect_latency_ms)]);
    const dropped = a.acceptQueue ? acceptQueueNote(a.acceptQueue) : undefined;
    if (dropped) {
      rows.push(['  accept queue', dropped]);
    }
    rows.push(['  publish->ack p50/p95/p99/max', lat(s.publish_ack_latency_ms)]);
    rows.push(['  schedule lag p95', `${s.schedule_lag_ms.p95} ms`]);
    rows.push(['  generator', s.generator_saturated ? 'SATURATED (not a backend result)' : 'ok']);
    for (const why of (s.generator_reasons ?? []).slice(0, 3)) {
      rows.push(['  generator reason', why]);
    }
    for (const r of a.reasons.slice(0, 5)) {
      rows.push(['  reason', r]);
    }
    const b = a.business;
    if (b && s.generator_saturated) {
      rows.push([
        '  NOTE',
        'the generator saturated: the backend figures below are NOT a backend result',
      ]);
    }
    if (b) {
      rows.push(['  recv_total (gateways)', `${b.recv_total} (published ${s.published_total})`]);
      rows.push([
        '  business pipeline success',
        `${(b.business_pipeline_success_rate * 100).toFixed(3)}% (core ${(b.business_core_pipeline_success_rate * 100).toFixed(3)}%)`,
      ]);
      rows.push([
        '  parse/influx/redis fail',
        `${b.parse_fail_total} / ${b.influx_fail_total} / ${b.redis_fail_total} (DLQ ${b.dlq_total})`,
      ]);
      rows.push(['  e2e ingest p50/p95/p99/max', lat(b.e2e_latency_ms)]);
      const stages = Object.entries(b.stage_latency_ms ?? {});
      if (stages.length > 0) {
        rows.push([
          '  ingest stages p95',
          stages.map(([k, v]) => `${k} ${v.p95}`).join(' | ') + ' ms',
        ]);
      }
      rows.push(...gateRows(a, b), ...deviceRows(b.devices, b.recv_total));
    } else {
      rows.push(['  business summary', 'none (no gateway counted this run)']);
    }
    if (a.cpuBudget) {
      const c = a.cpuBudget;
      rows.push([
        `  CPU, publish window (${c.window.seconds}s)`,
        [...c.components.map((x) => `${x.name} ${x.cpuPercent}%`), `other ${c.otherPercent}%`].join(
          ' | ',
        ) + ` (machine busy ${c.machineBusyPercent}% of ${c.cores * 100}%)`,
      ]);
      if (c.crowdedOut) {
        rows.push(['  NOTE', c.crowdedOut]);
      }
    }
    rows.push(['  artifacts', a.dir]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const head = verdictHead(outcome);
  return [head, '-'.repeat(head.length), ...rows.map(([k, v]) => `${k.padEnd(width)}${v}`)].join(
    '\n',
  );
}
