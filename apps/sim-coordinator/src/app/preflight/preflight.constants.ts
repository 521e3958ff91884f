const MiB = 1024 * 1024;
const KiB = 1024;

/**
 * Thresholds and per-connection figures of the preflight. The memory figures are measured (see
 * docs/benchmarks.md, "Memory per connection"), rounded up.
 */
export const PREFLIGHT = {
  /** A need above this share of a limit is close: a warning. */
  warnShare: 0.8,
  /** Files an agent process holds besides its connections (node, Redis for BullMQ, logs). */
  agentFdBase: 64,
  /** Files a broker holds besides the devices' connections (listeners, gateways, $SYS clients). */
  brokerFdBase: 64,
  /** docker-proxy: two sockets and two splice pipes per proxied connection (docs/benchmarks.md). */
  dockerProxyFdsPerConnection: 6,
  /** Sockets towards the broker in TIME_WAIT above which connect() slows down noticeably. */
  timeWaitWarn: 2000,
  /**
   * The broker's CPU is sampled over this long before any connection is opened; at or above
   * `warnPercent` of a core it is busy with something else (an idle Mosquitto takes 0-2 %; a
   * 10k-connection client that just exited kept it at 100 % for 6-8 s on this machine, and at
   * 49.6 % in the half second after another such client's SIGTERM: docs/benchmarks.md), and the
   * attempt's connects will wait for it.
   */
  brokerBusy: { sampleMs: 500, warnPercent: 25 },
  memory: {
    /** One agent process with nothing connected (Node, NestJS, BullMQ). */
    agentBaseBytes: 140 * MiB,
    /** Agent RSS per additional connection, by client model. */
    agentBytesPerConnection: { lean: 12 * KiB, mqttjs: 48 * KiB },
    /** A local broker's RSS plus both ends' kernel socket memory per connection. */
    brokerBytesPerConnection: 12 * KiB,
    warnShare: 0.6,
    refuseShare: 0.9,
  },
} as const;

/**
 * Connections one agent process holds without a file-limit warning: `warnShare` of its nofile
 * limit, less the files it holds besides them. The preflight's check and the packing of local
 * agents (ADR 0044) both judge by it.
 */
export function agentConnectionRoom(nofile: number): number {
  return nofile * PREFLIGHT.warnShare - PREFLIGHT.agentFdBase;
}
