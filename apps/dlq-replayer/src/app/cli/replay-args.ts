import { z } from 'zod';
import type { ReplayOptions } from '@sousvide/ingest-pipeline';
import { DLQ_KINDS } from '@sousvide/loadtest-contracts';
import {
  choiceOption,
  numberOption,
  readCommandLine,
  textOptions,
  UsageError,
  validateOptions,
} from '@sousvide/shared-util';

/** What one `replay` invocation asks for: the replay's options and how to print the report. */
export type ReplayArgs = ReplayOptions & { json: boolean };

export type ParsedCommand = { command: 'help' } | { command: 'replay'; options: ReplayArgs };

const OPTIONS = {
  ...textOptions('kind', 'run-id', 'limit', 'rate', 'export'),
  'dry-run': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const nonEmpty = (option: string) =>
  z.string().refine((v) => v.trim() !== '', { error: `${option} needs a non-empty value` });

/** The options' rules; each message names the option and what it allows. */
const replayOptionsSchema = z.object({
  kind: choiceOption(
    DLQ_KINDS,
    (raw) => `--kind must be one of ${DLQ_KINDS.join(', ')}; got "${raw}"`,
  ).optional(),
  'run-id': nonEmpty('--run-id').optional(),
  limit: numberOption(
    { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true },
    (raw) => `--limit must be a positive integer (1, 2, ...); got "${raw}"`,
  ).optional(),
  rate: numberOption(
    { min: Number.MIN_VALUE, max: Number.MAX_VALUE },
    (raw) => `--rate must be a number > 0 (entries per second); got "${raw}"`,
  ).optional(),
  'dry-run': z.boolean().default(false),
  export: nonEmpty('--export').optional(),
  json: z.boolean().default(false),
});

/**
 * Parses `replay [options]` (argv without node and script). Throws {@link UsageError} naming the
 * offending option and its allowed values, so main can exit 2 before connecting to anything.
 */
export function parseReplayArgs(argv: readonly string[]): ParsedCommand {
  const { values, positionals } = readCommandLine(argv, OPTIONS);
  if (values.help) {
    return { command: 'help' };
  }
  if (positionals.length !== 1 || positionals[0] !== 'replay') {
    throw new UsageError(
      `expected the command "replay", got ${positionals.length ? `"${positionals.join(' ')}"` : 'none'}`,
    );
  }
  const o = validateOptions(replayOptionsSchema, values);
  return {
    command: 'replay',
    options: {
      ...(o.kind === undefined ? {} : { kind: o.kind }),
      ...(o['run-id'] === undefined ? {} : { runId: o['run-id'] }),
      ...(o.limit === undefined ? {} : { limit: o.limit }),
      ...(o.rate === undefined ? {} : { rate: o.rate }),
      ...(o.export === undefined ? {} : { exportFile: o.export }),
      dryRun: o['dry-run'],
      json: o.json,
    },
  };
}
