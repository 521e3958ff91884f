import { RUN_ID_PATTERN, RUN_ID_RULE } from '@sousvide/loadtest-contracts';
import { UsageError } from '@sousvide/shared-util';

/** The commands that read finished runs' artifacts rather than start one. */
export type ArtifactsCommandName = 'report' | 'table';

/**
 * `loadtest report <run-id>...` / `loadtest table <run-id>...` (also without `loadtest`);
 * undefined for any other words. Run ids become folder names, so they follow the run id rule.
 */
export function parseArtifactsCommand(
  positionals: string[],
): { command: ArtifactsCommandName; runIds: string[] } | undefined {
  const words = positionals[0] === 'loadtest' ? positionals.slice(1) : positionals;
  const [name, ...runIds] = words;
  if (name !== 'report' && name !== 'table') {
    return undefined;
  }
  if (runIds.length === 0) {
    throw new UsageError(`loadtest ${name} needs at least one run id`);
  }
  const bad = runIds.find((id) => !RUN_ID_PATTERN.test(id));
  if (bad !== undefined) {
    throw new UsageError(`run id "${bad}" is not valid: ${RUN_ID_RULE}`);
  }
  return { command: name, runIds };
}
