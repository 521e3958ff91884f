import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import {
  FileLimit,
  isWildcard,
  parseFibTrieLocal,
  parseNetTcp,
  parseNofile,
  parseStatCpuTicks,
  TcpSocket,
} from './proc-files';

/** A file's text, or undefined when it cannot be read (gone, no permission, not Linux). */
export function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function listPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** /proc reports CPU in USER_HZ ticks, 100 per second on Linux. */
export const MS_PER_TICK = 10;

/** CPU time (user + system) a process has used so far, in ms; undefined when it is gone. */
export function cpuMsOf(pid: number): number | undefined {
  const ticks = parseStatCpuTicks(readText(`/proc/${pid}/stat`) ?? '');
  return ticks === undefined ? undefined : ticks * MS_PER_TICK;
}

export function commOf(pid: number | 'self'): string | undefined {
  return readText(`/proc/${pid}/comm`)?.trim();
}

export function nofileOf(pid: number | 'self'): FileLimit | undefined {
  const text = readText(`/proc/${pid}/limits`);
  return text === undefined ? undefined : parseNofile(text);
}

export function openFdCount(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

/** Every TCP socket (v4 and v6) of the network namespace `pid` lives in. */
export function tcpSocketsOf(pid: number | 'self'): TcpSocket[] {
  return ['tcp', 'tcp6'].flatMap((f) => parseNetTcp(readText(`/proc/${pid}/net/${f}`) ?? ''));
}

/** The process among `pids` holding socket `inode` (scans their fd tables). */
function socketOwner(inode: number, pids: readonly number[]): number | undefined {
  const target = `socket:[${inode}]`;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    if (fds.some((fd) => readLink(`/proc/${pid}/fd/${fd}`) === target)) {
      return pid;
    }
  }
  return undefined;
}

export interface ListenerProcess {
  pid: number;
  comm: string;
  nofile?: FileLimit;
  openFds?: number;
  /** True when it lives in this process's own network namespace (not inside a container's). */
  sameNetns: boolean;
}

/**
 * The process accepting TCP on `ip:port` as this host routes it: a listener in our own network
 * namespace (a host-network broker, or docker-proxy for a published port), else, for an address
 * a container's namespace owns (a bridge address), the listener inside it. Undefined when no local
 * process listens there (a remote broker, or NAT to something not visible from here).
 */
export function findListener(ip: string, port: number): ListenerProcess | undefined {
  const own = readLink('/proc/self/ns/net');
  const byNetns = new Map<string, number[]>();
  for (const pid of listPids()) {
    const ns = readLink(`/proc/${pid}/ns/net`);
    if (ns !== undefined) {
      byNetns.set(ns, [...(byNetns.get(ns) ?? []), pid]);
    }
  }
  // Our namespace first: what is bound there is what a local client reaches. A loopback address
  // is our own: every container has a 127.0.0.1 of its own that we cannot reach.
  const loopback = ip.startsWith('127.') || ip === '::1';
  const order = [...byNetns.keys()]
    .filter((ns) => ns === own || !loopback)
    .sort((a, b) => Number(b === own) - Number(a === own));
  for (const ns of order) {
    const pids = byNetns.get(ns) ?? [];
    const sameNetns = ns === own;
    const owns = parseFibTrieLocal(readText(`/proc/${pids[0]}/net/fib_trie`) ?? '');
    const listener = tcpSocketsOf(pids[0]).find(
      (s) =>
        s.state === 'LISTEN' &&
        s.local.port === port &&
        (s.local.ip === ip || (isWildcard(s.local.ip) && (loopback || owns.has(ip)))),
    );
    if (listener === undefined) {
      continue;
    }
    const pid = socketOwner(listener.inode, pids);
    if (pid === undefined) {
      continue;
    }
    return {
      pid,
      comm: commOf(pid) ?? 'unknown',
      nofile: nofileOf(pid),
      openFds: openFdCount(pid),
      sameNetns,
    };
  }
  return undefined;
}
