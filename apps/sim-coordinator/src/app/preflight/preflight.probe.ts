import { setTimeout as sleep } from 'node:timers/promises';
import {
  commOf,
  cpuMsOf,
  findListener,
  nofileOf,
  readText,
  tcpSocketsOf,
} from '../host/host-reader';
import { execFileSync } from 'node:child_process';
import {
  countReservedPorts,
  parseMemAvailable,
  parsePortRange,
  parseSsBacklog,
} from '../host/proc-files';
import { CpuSample, PreflightFacts, SocketsTowards } from './preflight.types';

/** Sockets of this host's namespace towards ip:port, by state and local address. */
function socketsTowards(ip: string, port: number): SocketsTowards {
  const out: SocketsTowards = { open: 0, timeWait: 0, bySource: {} };
  for (const s of tcpSocketsOf('self')) {
    if (s.state === 'LISTEN' || s.remote.ip !== ip || s.remote.port !== port) {
      continue;
    }
    const bucket = (out.bySource[s.local.ip] ??= { open: 0, timeWait: 0 });
    if (s.state === 'TIME_WAIT') {
      out.timeWait += 1;
      bucket.timeWait += 1;
    } else {
      out.open += 1;
      bucket.open += 1;
    }
  }
  return out;
}

/** The broker's listen backlog as `ss` reports it (not in /proc); undefined without `ss`. */
function listenBacklog(ip: string, port: number): number | undefined {
  try {
    const out = execFileSync('ss', ['-ltnH'], {
      encoding: 'utf8',
      timeout: 3000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return parseSsBacklog(out, ip, port);
  } catch {
    return undefined;
  }
}

/** Reads what the preflight judges from /proc: limits, the broker's listener, ports, memory. */
export function probePreflightFacts(brokerIp: string, brokerPort: number): PreflightFacts {
  const range = parsePortRange(readText('/proc/sys/net/ipv4/ip_local_port_range') ?? '');
  const listener = findListener(brokerIp, brokerPort);
  const twReuse = Number(readText('/proc/sys/net/ipv4/tcp_tw_reuse')?.trim());
  return {
    agentNofile: nofileOf('self'),
    ...(listener
      ? {
          broker: {
            ...listener,
            isDockerProxy: (commOf(listener.pid) ?? listener.comm) === 'docker-proxy',
            // `ss` sees our own namespace only; a container's listener keeps it unknown.
            ...(listener.sameNetns ? { backlog: listenBacklog(brokerIp, brokerPort) } : {}),
          },
        }
      : {}),
    ...(range
      ? {
          portRange: {
            ...range,
            reserved: countReservedPorts(
              readText('/proc/sys/net/ipv4/ip_local_reserved_ports') ?? '',
              range.low,
              range.high,
            ),
          },
        }
      : {}),
    ...(Number.isFinite(twReuse) ? { twReuse } : {}),
    towardsBroker: socketsTowards(brokerIp, brokerPort),
    memAvailableBytes: parseMemAvailable(readText('/proc/meminfo') ?? ''),
  };
}

/**
 * A process's CPU over `sampleMs`, as % of one core (two readings of its /proc stat);
 * undefined when it cannot be read (gone, another host's process). `cpuMs` reads the process's
 * CPU time so far; `now` is the clock.
 */
export async function sampleCpu(
  sampleMs: number,
  cpuMs: () => number | undefined,
  now: () => number = () => performance.now(),
): Promise<CpuSample | undefined> {
  const c0 = cpuMs();
  const t0 = now();
  if (c0 === undefined) {
    return undefined;
  }
  await sleep(sampleMs);
  const c1 = cpuMs();
  const overMs = now() - t0;
  if (c1 === undefined || overMs <= 0) {
    return undefined;
  }
  return { percent: Math.round(((c1 - c0) / overMs) * 1000) / 10, overMs: Math.round(overMs) };
}

/** The broker's CPU right now (see sampleCpu); not through docker-proxy, whose CPU is not the broker's. */
export async function sampleBrokerCpu(
  broker: PreflightFacts['broker'],
  sampleMs: number,
): Promise<CpuSample | undefined> {
  if (broker === undefined || broker.isDockerProxy) {
    return undefined;
  }
  return sampleCpu(sampleMs, () => cpuMsOf(broker.pid));
}
