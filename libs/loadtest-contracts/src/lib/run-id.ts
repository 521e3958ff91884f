/**
 * The one rule for run ids, wherever one comes from (CLI, HTTP API, chaos runner, a payload's raw
 * text): it names Redis keys, BullMQ job ids and a directory, so only these characters, and not a
 * leading "." or "-".
 */
export const RUN_ID_SOURCE = '[A-Za-z0-9][A-Za-z0-9._-]{0,99}';
export const RUN_ID_PATTERN = new RegExp(`^${RUN_ID_SOURCE}$`);
/** The rule in words, for messages. */
export const RUN_ID_RULE =
  '1..100 letters, digits, ".", "_" or "-", starting with a letter or digit';

/** `YYYYMMDD-HHMMSS` in UTC, the runbook's default run id. */
export function defaultRunId(now: Date = new Date()): string {
  const iso = now.toISOString();
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
}
