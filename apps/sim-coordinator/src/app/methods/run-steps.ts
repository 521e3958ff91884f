import { parseRunSpec, type RunSpec, type RunSpecInput } from '@sousvide/loadtest-contracts';
import { UsageError } from '@sousvide/shared-util';
import type { CoordinatorEnv } from '../config/env.schema';
import { RunSession, type RunSettings } from '../cli/run-session';
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
 * so after a run, Ctrl-C, or the preflight refuses a run after the first (`refused`: why).
 * Every run id is checked to be new before the first starts.
 */
export async function runSteps(
  env: CoordinatorEnv,
  specs: RunSpec[],
  settings: RunSettings,
  stop: (record: RunRecord) => boolean = () => false,
): Promise<{ records: RunRecord[]; interrupted: boolean; refused?: string }> {
  const session = await RunSession.open(env);
  const records: RunRecord[] = [];
  try {
    await session.assertNewRuns(specs);
    for (const spec of specs) {
      let outcome;
      try {
        outcome = await session.run(spec, settings);
      } catch (err) {
        // A later run the preflight refuses ends the sequence; the runs before it stand.
        if (err instanceof UsageError && records.length > 0) {
          return { records, interrupted: false, refused: err.message };
        }
        throw err;
      }
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
