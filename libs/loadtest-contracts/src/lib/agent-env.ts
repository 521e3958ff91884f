import { hostname } from 'node:os';
import { z } from 'zod';
import { envNumber, redisUrlSchema } from '@sousvide/shared-util';

/**
 * The agent's environment: the contract between a sim-agent process and whoever starts it (the
 * coordinator's local mode, compose, an operator). The agent validates it at boot; a parent
 * builds it with {@link agentEnvironment}, so both sides use these names and nothing else.
 */
/** Partitions one agent process may run at once. */
export const AGENT_MAX_CONCURRENCY = 64;

export const agentEnvSchema = z.object({
  REDIS_URL: redisUrlSchema(),
  /** Partitions this process runs at once; each needs its own share of file descriptors. */
  AGENT_CONCURRENCY: envNumber(z.number().int().min(1).max(AGENT_MAX_CONCURRENCY).default(1)),
  /**
   * CONNECTs in flight across all of this process's partitions (ADR 0056); each partition still
   * keeps at most its own parallelism. 0 = the largest parallelism of its partitions. Local mode
   * sets it to fit a local broker's listen backlog.
   */
  AGENT_CONNECT_WINDOW: envNumber(z.number().int().min(0).default(0)),
  /** Exit after this many partitions (local mode: its share of the attempt's); 0 = never. */
  AGENT_MAX_JOBS: envNumber(z.number().int().min(0).default(0)),
  /** Exit when no partition arrived within this many seconds; 0 = wait forever. */
  AGENT_IDLE_EXIT_SEC: envNumber(z.number().int().min(0).default(0)),
  AGENT_ID: z
    .string()
    .min(1)
    .default(() => `${hostname()}-${process.pid}`),
  /** Port for /health and /metrics; 0 = no HTTP listener (local per-partition processes). */
  OPS_PORT: envNumber(z.number().int().min(0).max(65535).default(0)),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type AgentEnv = z.infer<typeof agentEnvSchema>;

/** The environment variables that give an agent these settings; names are checked by type. */
export function agentEnvironment(settings: Partial<AgentEnv>): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (value !== undefined) {
      vars[name] = String(value);
    }
  }
  return vars;
}
