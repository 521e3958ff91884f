import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** Linux's default when /proc cannot be read (`net.ipv4.ip_local_port_range`). */
const DEFAULT_EPHEMERAL: readonly [number, number] = [32768, 60999];
/** The lowest port handed out: above the usual fixed ports of services (1883, 3000, 6379, 8428). */
const LOWEST = 20_000;
/** Ports tried before giving up: a busy host holds a few listeners in the range, not thousands. */
const MAX_TRIES = 200;

/**
 * The kernel's range for the ports it picks by itself: a connect()'s source port and listen(0).
 * Read from `text` (the /proc file's content) or the running kernel.
 */
export function ephemeralPortRange(text?: string): [number, number] {
  let raw = text;
  if (raw === undefined) {
    try {
      raw = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    } catch {
      return [...DEFAULT_EPHEMERAL];
    }
  }
  const [low, high] = raw.trim().split(/\s+/).map(Number);
  return Number.isInteger(low) && Number.isInteger(high) && low > 0 && low <= high
    ? [low, high]
    : [...DEFAULT_EPHEMERAL];
}

/** A port for a process to listen on later (a child's OPS_PORT, a container's host port). */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}

/**
 * `count` distinct ports free right now, below the kernel's ephemeral range. A port from inside
 * it (what listen(0) gives) can be taken as the source port of any outgoing connection on the
 * host before the caller's process binds it, which then fails with EADDRINUSE: a gateway booting
 * for seconds on a busy machine while other processes open hundreds of connections (seen in CI).
 * Below the range only another listener can take it. Each port is held open until all are known.
 */
export async function freePorts(count: number): Promise<number[]> {
  const [low] = ephemeralPortRange();
  // A kernel whose range leaves no room below it picks the port itself, as listen(0) does.
  const below = low > LOWEST + 1000;
  const servers: Server[] = [];
  const ports: number[] = [];
  try {
    for (let tries = 0; ports.length < count; tries += 1) {
      if (tries >= MAX_TRIES) {
        throw new Error(
          `no free port below the ephemeral range (${LOWEST}..${low - 1}) after ${MAX_TRIES} tries`,
        );
      }
      const port = below ? LOWEST + Math.floor(Math.random() * (low - LOWEST)) : 0;
      if (port !== 0 && ports.includes(port)) {
        continue;
      }
      const server = createServer();
      server.unref();
      // All interfaces, as the apps listen: a port taken on any address is not free.
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false));
        server.listen(port, () => resolve(true));
      });
      if (bound) {
        servers.push(server);
        const address = server.address();
        ports.push(typeof address === 'object' && address ? address.port : port);
      }
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}
