/** Injection token of the agent's Redis client for barrier keys (not BullMQ's connections). */
export const AGENT_REDIS = Symbol('AGENT_REDIS');
