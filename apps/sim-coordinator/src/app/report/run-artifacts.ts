import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BusinessSummary, ConnectionSummary, RunSpec } from '@sousvide/loadtest-contracts';
import type { CpuBudget } from '../cpu-budget/cpu-budget';
import { SERIES_FILE } from '../series/series.recorder';
import type { SeriesRow } from '../series/series-row';

/** run.json as the coordinator writes it (attemptRecord, then the verdict at the end). */
export interface RunRecord {
  spec: RunSpec;
  attempt: number;
  shape: { partitions: number; connectParallelism: number };
  startedAt: string;
  endedAt?: string;
  agents: string;
  status?: 'passed' | 'failed';
  reasons?: string[];
  /** The command line that started the run, when the coordinator recorded it. */
  command?: string;
  host?: Record<string, unknown>;
  preflight?: { checks?: { name: string; status: string; message?: string }[] };
}

/** Everything one attempt left on disk that the report and the table read. */
export interface AttemptArtifacts {
  dir: string;
  run: RunRecord;
  connection?: ConnectionSummary;
  business?: BusinessSummary;
  cpu?: CpuBudget;
  series: SeriesRow[];
  /** Other JSON results found beside the attempt (cross-check, capacity, chaos), by file name. */
  extras: Record<string, unknown>;
}

/** A file or folder the caller asked for is missing or unreadable: the message names it. */
export class ArtifactsError extends Error {
  readonly code = 'ARTIFACTS_UNREADABLE';
}

const KNOWN = new Set([
  'run.json',
  'connection-summary.json',
  'business-summary.json',
  'cpu-budget.json',
]);

function readJson<T>(path: string, required: boolean): T | undefined {
  if (!existsSync(path)) {
    if (required) {
      throw new ArtifactsError(`${path} not found`);
    }
    return undefined;
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    throw new ArtifactsError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

/** series.jsonl's rows; a torn last line (a run killed mid-write) is skipped, not fatal. */
export function readSeries(path: string): SeriesRow[] {
  if (!existsSync(path)) {
    return [];
  }
  const rows: SeriesRow[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    try {
      rows.push(JSON.parse(line) as SeriesRow);
    } catch {
      // blank or torn line
    }
  }
  return rows;
}

/** One attempt folder (`<run>/attempt-<n>`): run.json is required, the rest when present. */
export function readAttempt(dir: string): AttemptArtifacts {
  const extras: Record<string, unknown> = {};
  for (const name of readdirSync(dir)) {
    if (name.endsWith('.json') && !KNOWN.has(name)) {
      extras[name] = readJson(join(dir, name), false);
    }
  }
  return {
    dir,
    run: readJson<RunRecord>(join(dir, 'run.json'), true) as RunRecord,
    connection: readJson<ConnectionSummary>(join(dir, 'connection-summary.json'), false),
    business: readJson<BusinessSummary>(join(dir, 'business-summary.json'), false),
    cpu: readJson<CpuBudget>(join(dir, 'cpu-budget.json'), false),
    series: readSeries(join(dir, SERIES_FILE)),
    extras,
  };
}

/** A run's attempt folders in attempt order; a run id with none is an error naming the folder. */
export function attemptDirs(runDir: string): string[] {
  const names = existsSync(runDir)
    ? readdirSync(runDir).filter((n) => /^attempt-\d+$/.test(n))
    : [];
  if (names.length === 0) {
    throw new ArtifactsError(`no attempts under ${runDir} (is the run id or ARTIFACTS_DIR wrong?)`);
  }
  return names.sort((a, b) => Number(a.slice(8)) - Number(b.slice(8))).map((n) => join(runDir, n));
}
