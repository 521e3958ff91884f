import { parseRunSpec, type RunSpec, type RunSpecInput } from '@sousvide/loadtest-contracts';
import type { CoordinatorEnv } from '../config/env.schema';
import { RunSession } from '../cli/run-session';
import { summaryTable } from '../cli/summary-table';
import { readRunRecord, type RunRecord } from './run-record.reader';

/** The base spec (run id defaulted once) and a spec per step: all checked before any starts. */
export function stepSpecs(
  input: RunSpecInput,
  steps: { suffix: string; input: RunSpecInput }[],
): { base: RunSpec; specs: RunSpec[] } {
  const base = parseRunSpec(input);
  return {
    base,
    specs: steps.map((s) =>
      parseRunSpec({ ...input, ...s.input, runId: `${base.runId}-${s.suffix}` }),
    ),
  };
}

/**
 * Runs specs one after the other on one session, each run's table on stderr, until `stop` says
 * so after a run, or Ctrl-C. Every run id is checked to be new before the first starts.
 */
export async function runSteps(
  env: CoordinatorEnv,
  specs: RunSpec[],
  localAgents: boolean,
  stop: (record: RunRecord) => boolean = () => false,
): Promise<{ records: RunRecord[]; interrupted: boolean }> {
  const session = await RunSession.open(env);
  const records: RunRecord[] = [];
  try {
    await session.assertNewRuns(specs);
    for (const spec of specs) {
      const outcome = await session.run(spec, localAgents);
      process.stderr.write(`${summaryTable(outcome)}\n`);
      if (session.interrupted) {
        return { records, interrupted: true };
      }
      const record = readRunRecord(env.ARTIFACTS_DIR, spec.runId);
      records.push(record);
      if (stop(record)) {
        break;
      }
    }
  } finally {
    await session.close();
  }
  return { records, interrupted: false };
}
