import { ClientModel } from '@sousvide/loadtest-contracts';
import { FileLimit } from '../host/proc-files';

/** One attempt's plan, as far as the machine is concerned. */
export interface PreflightPlan {
  attempt: number;
  brokerUrl: string;
  /** The broker's address (resolved) and port. */
  brokerIp: string;
  brokerPort: number;
  model: ClientModel;
  totalConnections: number;
  partitions: number;
  maxConnectionsPerPartition: number;
  /** CONNECTs each partition keeps in flight. */
  connectParallelism: number;
  /** Agents started here (their limits and memory are this host's). */
  localAgents: boolean;
  /** Local agent processes, each running its share of the partitions (ADR 0044). */
  agentProcesses: number;
  /** The most connections one agent process holds. */
  maxConnectionsPerAgent: number;
  /** Loopback source addresses the devices connect from; empty: the kernel's choice (one address). */
  sourceAddresses: string[];
  maxConnectionsPerSource: number;
}

/** Sockets of this host towards the broker's ip:port. */
export interface SocketsTowards {
  open: number;
  timeWait: number;
  /** Per local address: open and TIME_WAIT sockets. */
  bySource: Record<string, { open: number; timeWait: number }>;
}

/** The provisioned identities (FLEET_MANIFEST_FILE) and the fleet secret the agents get. */
export interface FleetFacts {
  manifestFile: string;
  /** Why the manifest cannot be used (unreadable, not a fleet.json); the figures are then absent. */
  error?: string;
  devices?: { count: number; prefix: string; firstId: string; lastId: string };
  /** The manifest's fingerprint of the secret it was provisioned with (not a secret). */
  fingerprint?: string;
  createdAt?: string;
  /** Fingerprint of FLEET_SECRET(_FILE) here; absent when none is set. */
  secretFingerprint?: string;
}

/** A process's CPU over a sample: % of one core, and the sample's length in ms. */
export interface CpuSample {
  percent: number;
  overMs: number;
}

/** What the probes found; every field may be missing on a host that does not tell. */
export interface PreflightFacts {
  /** This process's limit, which the local agents inherit (Node raises soft to hard at start). */
  agentNofile?: FileLimit;
  broker?: {
    pid: number;
    comm: string;
    nofile?: FileLimit;
    openFds?: number;
    sameNetns: boolean;
    isDockerProxy: boolean;
    /** Its listen backlog (accept queue), when `ss` tells. */
    backlog?: number;
    /** Its CPU over a short sample before the attempt opened any connection. */
    cpu?: CpuSample;
  };
  portRange?: { low: number; high: number; reserved: number };
  /** net.ipv4.tcp_tw_reuse: 0 off, 1 on, 2 loopback only. */
  twReuse?: number;
  towardsBroker: SocketsTowards;
  memAvailableBytes?: number;
  /** Only with FLEET_MANIFEST_FILE. */
  fleet?: FleetFacts;
}

export type CheckStatus = 'ok' | 'warn' | 'refuse' | 'unknown';

export interface PreflightCheck {
  name:
    | 'agent-fds'
    | 'broker-fds'
    | 'route'
    | 'accept-queue'
    | 'broker-busy'
    | 'ports'
    | 'time-wait'
    | 'memory'
    | 'fleet-manifest'
    | 'fleet-devices'
    | 'fleet-secret';
  status: CheckStatus;
  /** What the plan needs, in the check's unit. */
  need?: number;
  /** What the machine has. */
  limit?: number;
  message: string;
  fix?: string;
}

export interface PreflightReport {
  attempt: number;
  refused: boolean;
  warnings: number;
  checks: PreflightCheck[];
  plan: PreflightPlan;
  facts: PreflightFacts;
}
