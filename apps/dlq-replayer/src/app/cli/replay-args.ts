import { parseArgs } from 'node:util';
import { DLQ_KINDS, type DlqKind } from '@sousvide/loadtest-contracts';
import { UsageError } from './usage.error';

/** What one `replay` invocation selects and how it runs. */
export interface ReplayOptions {
  kind?: DlqKind;
  runId?: string;
  limit?: number;
  /** Entries per second; undefined means as fast as storage allows. */
  rate?: number;
  dryRun: boolean;
  exportFile?: string;
  json: boolean;
}

export type ParsedCommand = { command: 'help' } | { command: 'replay'; options: ReplayOptions };

const OPTIONS = {
  kind: { type: 'string' },
  'run-id': { type: 'string' },
  limit: { type: 'string' },
  rate: { type: 'string' },
  'dry-run': { type: 'boolean' },
  export: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Parses `replay [options]` (argv without node and script). Throws {@link UsageError} naming the
 * offending option and its allowed values, so main can exit 2 before connecting to anything.
 */
export function parseReplayArgs(argv: readonly string[]): ParsedCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    return { command: 'help' };
  }
  if (positionals.length !== 1 || positionals[0] !== 'replay') {
    throw new UsageError(
      `expected the command "replay", got ${positionals.length ? `"${positionals.join(' ')}"` : 'none'}`,
    );
  }
  return {
    command: 'replay',
    options: {
      ...(values.kind === undefined ? {} : { kind: parseKind(values.kind) }),
      ...(values['run-id'] === undefined ? {} : { runId: nonEmpty('--run-id', values['run-id']) }),
      ...(values.limit === undefined ? {} : { limit: positiveInt('--limit', values.limit) }),
      ...(values.rate === undefined ? {} : { rate: positiveNumber('--rate', values.rate) }),
      ...(values.export === undefined ? {} : { exportFile: nonEmpty('--export', values.export) }),
      dryRun: values['dry-run'] ?? false,
      json: values.json ?? false,
    },
  };
}

function parseKind(value: string): DlqKind {
  const kind = DLQ_KINDS.find((k) => k === value);
  if (!kind) {
    throw new UsageError(`--kind must be one of ${DLQ_KINDS.join(', ')}; got "${value}"`);
  }
  return kind;
}

function positiveInt(option: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new UsageError(`${option} must be a positive integer (1, 2, ...); got "${value}"`);
  }
  return n;
}

function positiveNumber(option: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${option} must be a number > 0 (entries per second); got "${value}"`);
  }
  return n;
}

function nonEmpty(option: string, value: string): string {
  if (value.trim() === '') {
    throw new UsageError(`${option} needs a non-empty value`);
  }
  return value;
}
