/**
 * Parsers for the Linux /proc files the preflight and the CPU budget read. Pure (text in, values
 * out), so they are tested with captured file contents; host-reader.ts does the reading.
 */

export interface Endpoint {
  ip: string;
  port: number;
}

export type TcpState =
  | 'ESTABLISHED'
  | 'SYN_SENT'
  | 'SYN_RECV'
  | 'FIN_WAIT1'
  | 'FIN_WAIT2'
  | 'TIME_WAIT'
  | 'CLOSE'
  | 'CLOSE_WAIT'
  | 'LAST_ACK'
  | 'LISTEN'
  | 'CLOSING'
  | 'NEW_SYN_RECV';

const TCP_STATES: readonly TcpState[] = [
  'ESTABLISHED',
  'SYN_SENT',
  'SYN_RECV',
  'FIN_WAIT1',
  'FIN_WAIT2',
  'TIME_WAIT',
  'CLOSE',
  'CLOSE_WAIT',
  'LAST_ACK',
  'LISTEN',
  'CLOSING',
  'NEW_SYN_RECV',
];

export interface TcpSocket {
  local: Endpoint;
  remote: Endpoint;
  state: TcpState;
  inode: number;
}

/** `0100007F` (IPv4, little-endian) or 32 hex digits (IPv6, four little-endian words). */
function decodeIp(hex: string): string {
  if (hex.length === 8) {
    return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
  }
  const bytes: number[] = [];
  for (let w = 0; w < 4; w += 1) {
    const word = hex.slice(w * 8, w * 8 + 8);
    bytes.push(...[6, 4, 2, 0].map((i) => parseInt(word.slice(i, i + 2), 16)));
  }
  // IPv4-mapped (::ffff:a.b.c.d) and the unspecified address read as their IPv4 forms.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return bytes.slice(12).join('.');
  }
  if (bytes.every((b) => b === 0)) {
    return '::';
  }
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) {
    groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  }
  return canonicalIp(groups.join(':'));
}

/**
 * An IPv6 address in its one canonical text form (RFC 5952: `::1`, not `0:0:0:0:0:0:0:1`), so
 * addresses read from /proc and written by a user compare equal; any other text as given.
 */
export function canonicalIp(ip: string): string {
  if (!ip.includes(':') || !URL.canParse(`http://[${ip}]`)) {
    return ip;
  }
  return new URL(`http://[${ip}]`).hostname.slice(1, -1);
}

function decodeEndpoint(field: string): Endpoint {
  const [ip, port] = field.split(':');
  return { ip: decodeIp(ip), port: parseInt(port, 16) };
}

/** /proc/<pid>/net/tcp or tcp6: one entry per socket of that network namespace. */
export function parseNetTcp(text: string): TcpSocket[] {
  const out: TcpSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) {
      continue;
    }
    out.push({
      local: decodeEndpoint(f[1]),
      remote: decodeEndpoint(f[2]),
      state: TCP_STATES[parseInt(f[3], 16) - 1] ?? 'CLOSE',
      inode: Number(f[9]),
    });
  }
  return out;
}

/** True for a listener's wildcard address (0.0.0.0 or ::), which accepts on every local address. */
export function isWildcard(ip: string): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

/** Addresses a network namespace owns: the `/32 host LOCAL` leaves of /proc/<pid>/net/fib_trie. */
export function parseFibTrieLocal(text: string): Set<string> {
  const local = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i + 1 < lines.length; i += 1) {
    const leaf = /\|--\s+(\d+\.\d+\.\d+\.\d+)/.exec(lines[i]);
    if (leaf && /\/32 host LOCAL/.test(lines[i + 1])) {
      local.add(leaf[1]);
    }
  }
  return local;
}

export interface FileLimit {
  soft: number;
  hard: number;
}

/** "Max open files" of /proc/<pid>/limits; `unlimited` reads as Infinity. */
export function parseNofile(limitsText: string): FileLimit | undefined {
  const m = /Max open files\s+(\S+)\s+(\S+)/.exec(limitsText);
  if (!m) {
    return undefined;
  }
  const num = (v: string): number => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: num(m[1]), hard: num(m[2]) };
}

/** MemAvailable of /proc/meminfo, in bytes. */
export function parseMemAvailable(meminfoText: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(meminfoText);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** `32768	60999` of ip_local_port_range. */
export function parsePortRange(text: string): { low: number; high: number } | undefined {
  const m = /(\d+)\s+(\d+)/.exec(text);
  return m ? { low: Number(m[1]), high: Number(m[2]) } : undefined;
}

/** How many ports a list like `8080,9000-9010` of ip_local_reserved_ports takes in [low, high]. */
export function countReservedPorts(text: string, low: number, high: number): number {
  let n = 0;
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [a, b = a] = part.split('-').map(Number);
    n += Math.max(0, Math.min(b, high) - Math.max(a, low) + 1);
  }
  return n;
}

/** utime + stime (clock ticks) of /proc/<pid>/stat; the command may hold spaces and parentheses. */
export function parseStatCpuTicks(statText: string): number | undefined {
  return parseStatProcess(statText)?.ticks;
}

/** What /proc/<pid>/stat says of a process: name, parent, CPU ticks, reaped children's, start. */
export interface StatProcess {
  comm: string;
  ppid: number;
  ticks: number;
  childTicks: number;
  /** Field 22, in ticks since boot: with the pid, names one process for its lifetime. */
  started: number;
}

export function parseStatProcess(statText: string): StatProcess | undefined {
  const open = statText.indexOf('(');
  const close = statText.lastIndexOf(')');
  if (open < 0 || close < open) {
    return undefined;
  }
  // The fields after the command start at field 3 (state): ppid 4, utime 14, stime 15, cutime 16,
  // cstime 17, starttime 22.
  const f = statText
    .slice(close + 2)
    .split(' ')
    .map(Number);
  const p = {
    comm: statText.slice(open + 1, close),
    ppid: f[1],
    ticks: f[11] + f[12],
    childTicks: f[13] + f[14],
    started: f[19],
  };
  return [p.ppid, p.ticks, p.childTicks, p.started].every(Number.isFinite) ? p : undefined;
}

/** Busy and total jiffies of the first line of /proc/stat (all cores). */
export function parseProcStatTotals(
  text: string,
): { busy: number; total: number; interrupts: number; steal: number } | undefined {
  const m = /^cpu\s+(.+)$/m.exec(text);
  if (!m) {
    return undefined;
  }
  const v = m[1].trim().split(/\s+/).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user/nice)
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return {
    busy: total - v[3] - (v[4] ?? 0),
    total,
    interrupts: (v[5] ?? 0) + (v[6] ?? 0),
    steal: v[7] ?? 0,
  };
}

/** The TcpExt counters of /proc/net/netstat (a header line of names, then one of values). */
export function parseTcpExt(netstatText: string): Record<string, number> {
  const lines = netstatText.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) {
    return {};
  }
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? 0]));
}

/** Listen backlog (Send-Q) of `ss -ltnH` lines for a listener on ip:port (or a wildcard). */
export function parseSsBacklog(ssText: string, ip: string, port: number): number | undefined {
  for (const line of ssText.split('\n')) {
    const f = line.trim().split(/\s+/);
    const local = f[3] ?? '';
    const sep = local.lastIndexOf(':');
    const addr = local.slice(0, sep).replace(/^\[|\]$/g, '');
    if (
      f[0] === 'LISTEN' &&
      Number(local.slice(sep + 1)) === port &&
      (addr === ip || addr === '0.0.0.0' || addr === '*' || addr === '::')
    ) {
      return Number(f[2]);
    }
  }
  return undefined;
}
