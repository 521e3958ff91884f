import { DLQ_KINDS } from '@sousvide/loadtest-contracts';

export const USAGE = `Usage: dlq-replayer replay [options]

Re-drives entries of the ingest-dlq queue through Influx and the Redis heartbeat, then removes
each stored entry. Replaying twice stores nothing twice (writes are idempotent).

Options:
  --kind K       only entries of this kind (${DLQ_KINDS.join('|')})
  --run-id ID    only entries of this run
  --limit N      at most N entries (positive integer)
  --rate N       at most N entries per second (positive number)
  --dry-run      change nothing; report what would be replayed
  --export FILE  write the selected entries as JSON lines (payload decoded as UTF-8)
  --json         print the final report as JSON instead of a table
  --help         show this help

Environment: REDIS_URL, REDIS_USERNAME, REDIS_PASSWORD or REDIS_PASSWORD_FILE, REDIS_TLS_CA_FILE
(rediss://), INFLUX_URL, INFLUX_TLS_CA_FILE (https://), INFLUX_TOKEN or INFLUX_TOKEN_FILE
(required), INFLUX_ORG, INFLUX_BUCKET, INFLUX_TIMEOUT_MS.
Exit codes: 0 done, 1 runtime failure (e.g. Redis unreachable), 2 bad input, 130 interrupted.
`;
