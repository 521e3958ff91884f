import { UsageError } from '@sousvide/shared-util';
import type { CoordinatorEnv } from '../config/env.schema';
import type { CliCommand } from '../cli/cli-args';
import { runSettingsOf } from '../cli/run-session';
import { classify, CROSSCHECK_EXIT, type CrosscheckResult } from './crosscheck';
import { formatRows, writeAndPrint } from './method-output';
import { runSteps, stepSpecs } from './run-steps';

const MODELS = ['mqttjs', 'lean'] as const;

function table(runId: string, r: CrosscheckResult): string {
  const rows: [string, string][] = [
    ['class', r.class.toUpperCase() + (r.failingModel ? ` (${r.failingModel})` : '')],
    ['why', r.explanation],
  ];
  for (const m of r.models) {
    const g = m.generator;
    rows.push(
      [`${m.model}`, `${m.outcome.toUpperCase()}  run ${m.runId}`],
      ['  throughput / connect rate', `${m.throughput} msg/s / ${m.connectRate} /s`],
      [
        '  connect p50/p95/p99',
        `${m.connectLatencyMs.p50} / ${m.connectLatencyMs.p95} / ${m.connectLatencyMs.p99} ms`,
      ],
      [
        '  publish->ack p50/p95/p99',
        `${m.ackLatencyMs.p50} / ${m.ackLatencyMs.p95} / ${m.ackLatencyMs.p99} ms`,
      ],
      [
        '  failures',
        Object.entries(m.failures)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || 'none',
      ],
      [
        '  generator',
        `${g.saturated ? 'SATURATED' : 'ok'}${g.connectSaturated ? ', connect rate agent-bound' : ''} (cpu max ${g.cpuPercentMax}%, event-loop lag p99 max ${g.eventLoopLagP99MsMax} ms)`,
      ],
      ['  SLOs missed', m.sloMissed.join(', ') || 'none'],
    );
    if (m.lost !== undefined) {
      rows.push(['  accounting lost', String(m.lost)]);
    }
  }
  return formatRows(`Crosscheck ${runId}: ${r.class.toUpperCase()}`, rows);
}

/** `loadtest crosscheck`: both client models at the same parameters, classified. */
export async function crosscheckCommand(env: CoordinatorEnv, cmd: CliCommand): Promise<number> {
  const { base, specs } = stepSpecs(
    cmd.spec,
    MODELS.map((model) => ({ suffix: model, input: { model } })),
  );
  const { records, interrupted, refused } = await runSteps(env, specs, runSettingsOf(cmd));
  if (interrupted) {
    return 130;
  }
  if (refused) {
    throw new UsageError(`${MODELS[1]} not started, no cross-check: ${refused}`);
  }
  const result = classify(records[0], records[1]);
  const { runId } = base;
  const parameters = {
    connections: base.totalConnections,
    partitions: base.partitions,
    parallelism: base.connectParallelism,
    mps: base.mps,
    durationSec: base.durationSec,
    qos: base.qos,
    brokerUrl: base.brokerUrl,
  };
  await writeAndPrint(
    env.ARTIFACTS_DIR,
    runId,
    'crosscheck.json',
    { runId, parameters, ...result },
    table(runId, result),
    cmd.json,
  );
  return CROSSCHECK_EXIT[result.class];
}
