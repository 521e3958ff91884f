import { agentEnvSchema, type AgentEnv } from '@sousvide/loadtest-contracts';
import { parseEnvConfig } from '@sousvide/shared-util';

export type { AgentEnv };

/** Parses the environment once at boot (schema: the agent contract); the error names every bad variable. */
export function loadAgentEnv(env: NodeJS.ProcessEnv = process.env): AgentEnv {
  return parseEnvConfig(agentEnvSchema, env, 'sim-agent');
}

export const AGENT_ENV = Symbol('AGENT_ENV');
