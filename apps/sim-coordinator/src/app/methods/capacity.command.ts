import type { CoordinatorEnv } from '../config/env.schema';
import type { CliCommand } from '../cli/cli-args';
import { runSettingsOf } from '../cli/run-session';
import {
  capacityExitCode,
  capacitySteps,
  type CapacityPlan,
  type CapacityStep,
  endsSearch,
  type Knee,
  kneeOf,
  stepOf,
} from './capacity';
import { formatRows, writeAndPrint } from './method-output';
import { runSteps, stepSpecs } from './run-steps';

const stepLine = (s: CapacityStep | undefined, unit: string): string =>
  s
    ? `step ${s.step}: ${s.load} ${unit} (offered ${s.offeredRate} msg/s, throughput ${s.throughput}${s.e2eP95Ms !== undefined ? `, e2e p95 ${s.e2eP95Ms} ms` : ''})`
    : 'none';

function table(runId: string, plan: CapacityPlan, steps: CapacityStep[], k: Knee): string {
  const unit = plan.dimension === 'connections' ? 'connections' : 'msg/s per device';
  const rows: [string, string][] = steps.map((s) => [
    `step ${s.step} (${s.load})`,
    `${s.passed ? 'PASSED' : 'FAILED'}${s.saturated ? ' GENERATOR SATURATED' : ''}  ${s.reasons[0] ?? ''}  run ${s.runId}`,
  ]);
  rows.push(
    ['last passing', stepLine(k.lastPassing, unit)],
    ['first failing', stepLine(k.firstFailing, unit)],
    ['stopped by', k.stoppedBy],
  );
  if (k.sloBrokeFirst) {
    rows.push(['SLO broke first', k.sloBrokeFirst]);
  }
  if (k.bottleneck) {
    rows.push(['bottleneck', `${k.bottleneck.stage}: ${k.bottleneck.why}`]);
  }
  return formatRows(`Capacity ${runId}: ${plan.dimension} from ${plan.start}`, rows);
}

/** `loadtest capacity`: grows the load step by step until something breaks; reports the knee. */
export async function capacityCommand(env: CoordinatorEnv, cmd: CliCommand): Promise<number> {
  if (!cmd.plan) {
    throw new Error('capacity without a plan');
  }
  const field = cmd.plan.dimension === 'connections' ? 'totalConnections' : 'mps';
  const { base } = stepSpecs(cmd.spec, []);
  const plan: CapacityPlan = { ...cmd.plan, start: base[field] };
  const loads = capacitySteps(plan);
  const { specs } = stepSpecs(
    cmd.spec,
    loads.map((load, i) => ({ suffix: `s${i + 1}`, input: { [field]: load } })),
  );
  const { records, interrupted, refused } = await runSteps(env, specs, runSettingsOf(cmd), (r) =>
    endsSearch(stepOf(0, 0, r)),
  );
  if (interrupted) {
    return 130;
  }
  const steps = records.map((r, i) => stepOf(i + 1, loads[i], r));
  const knee = kneeOf(steps, records, refused);
  await writeAndPrint(
    env.ARTIFACTS_DIR,
    base.runId,
    'capacity.json',
    { runId: base.runId, plan, steps, knee },
    table(base.runId, plan, steps, knee),
    cmd.json,
  );
  return capacityExitCode(knee);
}
