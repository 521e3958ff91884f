import { hostname } from 'node:os';
import { z } from 'zod';
import { parseEnvConfig } from '@sousvide/loadtest-contracts';

/** The agent's environment, validated once at boot; nothing else reads process.env. */
export const agentEnvSchema = z.object({
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Partitions this process runs at once; each needs its own share of file descriptors. */
  AGENT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Exit after this many partitions (local mode starts one process per partition); 0 = never. */
  AGENT_MAX_JOBS: z.coerce.number().int().min(0).default(0),
  /** Exit when no partition arrived within this many seconds; 0 = wait forever. */
  AGENT_IDLE_EXIT_SEC: z.coerce.number().int().min(0).default(0),
  AGENT_ID: z.string().min(1).default(`${hostname()}-${process.pid}`),
  /** Port for /health and /metrics; 0 = no HTTP listener (local per-partition processes). */
  OPS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export type AgentEnv = z.infer<typeof agentEnvSchema>;

/** Parses the environment; the error names every bad variable. */
export function loadAgentEnv(env: NodeJS.ProcessEnv = process.env): AgentEnv {
  return parseEnvConfig(agentEnvSchema, env, 'sim-agent');
}

export const AGENT_ENV = Symbol('AGENT_ENV');
