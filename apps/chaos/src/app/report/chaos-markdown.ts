import type { ChaosReport } from './chaos-report';

const fmt = (v: number | null, unit = ''): string => (v === null ? 'n/a' : `${v}${unit}`);

/** The short human report next to chaos-report.json. */
export function renderMarkdown(r: ChaosReport): string {
  const a = r.accounting;
  const rows = r.series.map(
    (s) =>
      `| ${s.t} | ${s.received} | ${s.stored} | ${s.failed} | ${s.dlq} | ${s.spool} | ${fmt(s.p95Ms)} |`,
  );
  const kv = (o: Record<string, number> | undefined): string =>
    Object.entries(o ?? {})
      .filter(([, v]) => v !== 0)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  return [
    `# Chaos: ${r.scenario} (${r.runId})`,
    '',
    `**Verdict: ${r.verdict.pass ? 'PASS' : 'FAIL'}**${r.verdict.reasons.length ? ` - ${r.verdict.reasons.join('; ')}` : ''}`,
    '',
    `- Command: \`${r.command}\``,
    `- Load: ${r.load.devices} devices x ${r.load.mps} msg/s, QoS ${r.load.qos}, ${r.load.model}, ${r.load.durationSec} s`,
    `- Fault: ${r.fault.description}, seconds ${r.fault.startSec}-${r.fault.endSec} of the load${r.fault.endSec > r.fault.plannedEndSec ? ` (planned ${r.fault.startSec}-${r.fault.plannedEndSec}: the lift began later, on the next 1 s sample after the fault had lasted its seconds from taking effect)` : ''}`,
    `- Time to detect: ${fmt(r.recovery.timeToDetectSec, ' s')}; MTTR: ${fmt(r.recovery.mttrSec, ' s')} (bound ${r.recovery.boundSec} s; first of 5 consecutive seconds with success >= 99.9 % and p95 <= 200 ms after the fault ended); degraded seconds: ${r.recovery.degradedSeconds}`,
    `- Behaviour: ${r.behaviour}`,
    '',
    '## Failure signature',
    '',
    `- Simulator (failures by class): ${kv(r.signature.simulator)}`,
    `- Gateway (from the fault's start to the end of the load): ${kv(r.signature.gateway)}`,
    `- DLQ (run totals before the replay): ${kv(r.signature.dlq)}`,
    ...(r.signature.influxProxy ? [`- Influx fault proxy: ${kv(r.signature.influxProxy)}`] : []),
    '',
    '## Loss accounting after the replay',
    '',
    a
      ? `published ${a.published} = stored ${a.stored} + in DLQ ${a.in_dlq} + in spool ${a.in_spool}; **lost ${a.lost}**; duplicates absorbed ${a.duplicates}; arrived though the device counted them failed ${a.unconfirmed_arrived}`
      : 'not available (no connection summary)',
    `Replay: ${r.replay ? JSON.stringify(r.replay) : 'failed or not run'}`,
    '',
    '## Per second (gateway)',
    '',
    '| t (s) | received | stored | failed | to DLQ | in spool | p95 (ms, bucket) |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
