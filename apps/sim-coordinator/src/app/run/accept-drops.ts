import { readText } from '../host/host-reader';
import { parseTcpExt } from '../host/proc-files';

/** This host's TCP counters that show a broker not accepting fast enough, over one attempt. */
export interface AcceptQueueDrops {
  /** Handshakes dropped because a listener's accept queue was full (TcpExt ListenOverflows). */
  listenOverflows: number;
  /** SYNs sent again after no answer: each costs the connect 1 s, then 2, then 4 more. */
  synRetransmits: number;
}

export function tcpCountersNow(): Record<string, number> {
  return parseTcpExt(readText('/proc/net/netstat') ?? '');
}

export function acceptQueueDrops(
  before: Record<string, number>,
  after: Record<string, number>,
): AcceptQueueDrops {
  const delta = (name: string): number => Math.max(0, (after[name] ?? 0) - (before[name] ?? 0));
  return { listenOverflows: delta('ListenOverflows'), synRetransmits: delta('TCPSynRetrans') };
}

/**
 * What the counters mean for the attempt's connect rate, when they moved. They count the whole
 * host's network namespace, so other listeners' drops are included: a hint, not a verdict.
 */
export function acceptQueueNote(d: AcceptQueueDrops): string | undefined {
  if (d.listenOverflows === 0 && d.synRetransmits === 0) {
    return undefined;
  }
  return (
    `${d.listenOverflows} handshakes dropped at a full accept queue and ${d.synRetransmits} SYN retransmits on this host: ` +
    'the broker did not accept as fast as the agents connected, and those connects waited 1-7 s'
  );
}
