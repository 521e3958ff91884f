import { AGENT_MAX_CONCURRENCY } from '@sousvide/loadtest-contracts';
import { agentConnectionRoom } from '../preflight/preflight.constants';

/** How many local agent processes an attempt starts: `auto`, or a number (at most one per partition). */
export type AgentProcessesSetting = 'auto' | number;

/** The local agent processes of one attempt, and how many partitions each runs at once. */
export interface AgentPacking {
  processes: number;
  /** Each process's BullMQ concurrency and job budget: it runs at most this many partitions. */
  partitionsPerProcess: number;
  /** The most connections one process can hold: its partitions' largest counts together. */
  maxConnectionsPerProcess: number;
}

/**
 * Packs an attempt's partitions into local agent processes (ADR 0044). `auto` starts one process
 * per core, not one per partition: eight agents on a 2-core host took 2.4-3x the CPU of one or two
 * for the same 10k devices (every process wakes for its own share of the publishes), and that CPU
 * is what the backend under test then lacks. More processes than cores are started only when one
 * process's connections would not fit its file limit (`nofile`, the hard limit the agents inherit,
 * with the preflight's margin). A number asks for that many (capped at the partitions); a number at
 * or above the partitions is the old one-process-per-partition layout.
 */
export function packAgents(
  connections: readonly number[],
  setting: AgentProcessesSetting,
  host: { cores: number; nofile?: number },
): AgentPacking {
  const partitions = Math.max(1, connections.length);
  let wanted = setting === 'auto' ? Math.max(1, host.cores) : setting;
  // An agent runs at most AGENT_MAX_CONCURRENCY partitions at once (the agent contract's bound).
  wanted = Math.min(partitions, Math.max(1, wanted, Math.ceil(partitions / AGENT_MAX_CONCURRENCY)));
  const largest = [...connections].sort((a, b) => b - a);
  const fits = (perProcess: number): boolean =>
    host.nofile === undefined ||
    sum(largest.slice(0, perProcess)) <= agentConnectionRoom(host.nofile);
  while (setting === 'auto' && wanted < partitions && !fits(Math.ceil(partitions / wanted))) {
    wanted += 1;
  }
  const partitionsPerProcess = Math.ceil(partitions / wanted);
  return {
    // 5 partitions on 4 processes is 2 each, and 3 processes carry that.
    processes: Math.ceil(partitions / partitionsPerProcess),
    partitionsPerProcess,
    maxConnectionsPerProcess: sum(largest.slice(0, partitionsPerProcess)),
  };
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
