import type {
  FailureClass,
  GeneratorHealth,
  PartitionSpec,
  ReconnectStats,
} from '@sousvide/loadtest-contracts';
import { formatCounts, LatencyHistogram } from '@sousvide/shared-util';
import type { DeviceReconnector } from './device-reconnector';
import type { PublishLedger } from './publish-ledger';

/** A partition's log lines, one per phase: what an operator reads in the agent's output. */

/** The partition as it starts: who runs it, its plan, the broker. */
export function startLine(s: PartitionSpec, agentId: string): string {
  return (
    `part ${s.part}/${s.partitions} agent=${agentId} model=${s.model} devices=${s.connections} ` +
    `parallelism=${s.connectParallelism} mps=${s.mps} duration=${s.durationSec}s qos=${s.qos} broker=${s.brokerUrl}` +
    (s.loop === 'closed' ? ` loop=closed window=${s.window ?? 1}` : '')
  );
}

/** The connect phase's end: how many connected, how long it took, what failed, the generator. */
export function connectedLine(c: {
  connected: number;
  devices: number;
  ms: number;
  failed: number;
  failures: Record<FailureClass, number>;
  health: GeneratorHealth;
}): string {
  return (
    `connected ${c.connected}/${c.devices} in ${c.ms} ms, failed=${c.failed} ${formatCounts(c.failures)}` +
    ` cpu=${c.health.cpuPercent}% (kernel ${c.health.cpuSystemPercent}%)` +
    (c.health.saturated ? ` SATURATED: ${c.health.reasons.join('; ')}` : '')
  );
}

/** The reconnects of a partition that lost connections; undefined when it lost none. */
export function reconnectsLine(r: ReconnectStats): string | undefined {
  if (r.lost === 0) {
    return undefined;
  }
  return (
    `reconnects lost=${r.lost} back=${r.succeeded} attempts=${r.attempts} ` +
    `still_offline=${r.stillDisconnected} spread=${r.lastAt - r.firstAt}ms ` +
    `delay_p50=${LatencyHistogram.fromJSON(r.delay).stats().p50}ms`
  );
}

/**
 * Why connects fail, without a line per device: a refused CONNACK is counted in `rejections` by
 * its reason and the first of each reason is told; of any other class (a TLS handshake, a
 * timeout) the first error (`failures` of the class still 0). Undefined: nothing to log.
 */
export function connectFailureLine(
  deviceId: string,
  cls: FailureClass,
  err: unknown,
  rejections: Record<string, number>,
  failures: Readonly<Record<FailureClass, number>>,
): string | undefined {
  // Not `instanceof Error`: errors made in another realm (node internals under jest) fail it.
  const message = (err as { message?: unknown } | undefined)?.message;
  const reason = typeof message === 'string' ? message : String(err);
  if (cls === 'connack_rejected') {
    const seen = rejections[reason] ?? 0;
    rejections[reason] = seen + 1;
    return seen === 0 ? `device ${deviceId}: ${reason}` : undefined;
  }
  return failures[cls] === 0 ? `device ${deviceId}: connect failed (${cls}): ${reason}` : undefined;
}

/** Once a second while publishing: the partition's running figures. */
export function progressLine(
  ledger: Pick<PublishLedger, 'published' | 'failed' | 'inFlight' | 'ackLatency'>,
  reconnector: Pick<DeviceReconnector, 'offline' | 'reconnected'>,
  scheduleLag: LatencyHistogram,
): string {
  return (
    `published=${ledger.published} failed=${ledger.failed} inflight=${ledger.inFlight} ` +
    `offline=${reconnector.offline} reconnected=${reconnector.reconnected} ` +
    `ack_p95=${ledger.ackLatency.stats().p95}ms lag_p95=${scheduleLag.stats().p95}ms`
  );
}

/** The partition's end: what it published and how, and whether it was cut short. */
export function doneLine(d: {
  published: number;
  failed: number;
  scheduled: number;
  ackP95: number;
  lagP95: number;
  health: GeneratorHealth;
  aborted: boolean;
}): string {
  return (
    `done published=${d.published} failed=${d.failed} scheduled=${d.scheduled} ack_p95=${d.ackP95}ms ` +
    `lag_p95=${d.lagP95}ms cpu=${d.health.cpuPercent}% saturated=${d.health.saturated}${d.aborted ? ' ABORTED' : ''}`
  );
}
