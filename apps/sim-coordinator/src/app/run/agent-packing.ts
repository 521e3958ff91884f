import { AGENT_MAX_CONCURRENCY, type ClientModel } from '@sousvide/loadtest-contracts';
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
 * The publish rate one local agent process is given before `auto` adds another (up to one per
 * core). Measured at PR2 (10,000 lean devices at 1 msg/s, 8 partitions) on this 2-core host: one
 * lean process took 35-40 % of a core, two took 41-49 % together, and the machine was less busy
 * with one in all 7 alternated pairs (ADR 0055); mqttjs takes ~60 % of a core for 10,000 msg/s in
 * one process (the peer bench). So lean up to 20,000 msg/s and mqttjs up to 10,000 msg/s per
 * process keep each well within its core.
 */
export const AGENT_PROCESS_MSG_RATE: Readonly<Record<ClientModel, number>> = {
  lean: 20_000,
  mqttjs: 10_000,
};

/**
 * Packs an attempt's partitions into local agent processes (ADR 0044, 0055). `auto` starts as few
 * processes as the attempt's publish rate (its devices x `mps`) needs, one per
 * {@link AGENT_PROCESS_MSG_RATE}, at most one per core: every process wakes for its own share of
 * the publishes and keeps its own heap, and that CPU is what the backend under test then lacks.
 * More processes are started only when one process's connections would not fit its file limit
 * (`nofile`, the hard limit the agents inherit, with the preflight's margin). A number asks for
 * that many (capped at the partitions); a number at or above the partitions is the old
 * one-process-per-partition layout.
 */
export function packAgents(
  connections: readonly number[],
  setting: AgentProcessesSetting,
  host: { cores: number; nofile?: number },
  load: { model: ClientModel; mps: number },
): AgentPacking {
  const partitions = Math.max(1, connections.length);
  const msgPerSec = sum(connections) * load.mps;
  let wanted =
    setting === 'auto'
      ? Math.min(Math.max(1, host.cores), Math.ceil(msgPerSec / AGENT_PROCESS_MSG_RATE[load.model]))
      : setting;
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

/**
 * Each local agent process's CONNECT window (AGENT_CONNECT_WINDOW, ADR 0056) for a broker on this
 * host whose listen backlog the preflight read: the backlog shared by the processes, so their
 * handshakes together never overflow it (a dropped SYN waits 1 s for its retransmit). Undefined
 * (the agents' own bound: their partitions' parallelism) when the backlog is unknown or belongs
 * to a proxy in front of the broker.
 */
export function connectWindowFor(
  processes: number,
  broker: { backlog?: number; isDockerProxy: boolean } | undefined,
): number | undefined {
  if (broker?.backlog === undefined || broker.isDockerProxy) {
    return undefined;
  }
  return Math.max(1, Math.floor(broker.backlog / Math.max(1, processes)));
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0);
}
