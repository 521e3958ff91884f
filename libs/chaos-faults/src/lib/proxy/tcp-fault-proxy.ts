import { createServer, type AddressInfo, type Server } from 'node:net';
import { ErrorSelector } from './error-selector';
import { ProxyConnection, type ConnectionEvent, type ProxyContext } from './proxy-connection';
import { PASS_THROUGH, validateProxyMode, type ProxyMode } from './proxy-mode';

export interface TcpFaultProxyOptions {
  upstreamHost: string;
  upstreamPort: number;
  /** Default 127.0.0.1: the proxy is a test tool, not a service to expose. */
  listenHost?: string;
  /** Default 0 (an OS-chosen free port; read it from `port` after `start()`). */
  listenPort?: number;
  /**
   * `http` frames HTTP/1.1 requests on the client side, which `http-error` mode and the request
   * counters need; `tcp` (default) forwards bytes without looking at them.
   */
  protocol?: 'tcp' | 'http';
  /** Per connection and direction, bytes queued before the sender is paused. Default 1 MiB. */
  maxBufferedBytes?: number;
}

/** Cumulative counters since the proxy started, for reports. */
export interface ProxyCounters {
  /** Client connections accepted. */
  connections: number;
  /** Client connections open now. */
  activeConnections: number;
  /** HTTP requests passed on to the upstream (protocol `http` only). */
  requestsForwarded: number;
  /** HTTP requests the proxy answered itself with the injected status. */
  requestsFailed: number;
  /** Connections the proxy reset (reset mode). */
  resets: number;
  bytesToUpstream: number;
  bytesToClient: number;
}

/**
 * A small TCP proxy in front of one upstream (e.g. the Influx write endpoint) whose behaviour is
 * switched at runtime with {@link setMode}: pass-through, latency, HTTP errors, resets, blackhole
 * (see {@link ProxyMode}). It exists because Toxiproxy cannot be installed here
 * (docs/adr/0008-chaos-fault-injection.md). The upstream is dialled once per client connection.
 */
export class TcpFaultProxy {
  private readonly server: Server;
  private readonly connections = new Set<ProxyConnection>();
  private readonly counters: ProxyCounters = {
    connections: 0,
    activeConnections: 0,
    requestsForwarded: 0,
    requestsFailed: 0,
    resets: 0,
    bytesToUpstream: 0,
    bytesToClient: 0,
  };
  private current: ProxyMode = PASS_THROUGH;
  private selector: ErrorSelector | undefined;
  private readonly ctx: ProxyContext;

  constructor(private readonly options: TcpFaultProxyOptions) {
    this.ctx = {
      upstreamHost: options.upstreamHost,
      upstreamPort: options.upstreamPort,
      protocol: options.protocol ?? 'tcp',
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      mode: () => this.current,
      nextRequestFails: () => this.selector?.next() ?? false,
      count: (event, bytes) => this.count(event, bytes),
    };
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (client) => {
      this.counters.connections++;
      this.counters.activeConnections++;
      const connection = new ProxyConnection(client, this.ctx);
      this.connections.add(connection);
      client.once('close', () => this.connections.delete(connection));
    });
  }

  /** Starts listening; resolves once the port is bound. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(
        this.options.listenPort ?? 0,
        this.options.listenHost ?? '127.0.0.1',
        () => {
          this.server.off('error', reject);
          resolve();
        },
      );
    });
  }

  /** True while the proxy accepts connections. */
  get listening(): boolean {
    return this.server.listening;
  }

  /** The bound port (after `start()`). */
  get port(): number {
    const address = this.server.address() as AddressInfo | null;
    if (!address) {
      throw new Error('TcpFaultProxy is not listening; call start() first');
    }
    return address.port;
  }

  /** `http://<listenHost>:<port>`, for HTTP upstreams. */
  get url(): string {
    return `http://${this.options.listenHost ?? '127.0.0.1'}:${this.port}`;
  }

  /** `<listenHost>:<port> -> <upstreamHost>:<upstreamPort>`, for logs and reports. */
  get route(): string {
    const listen = this.server.listening ? String(this.port) : '?';
    return (
      `${this.options.listenHost ?? '127.0.0.1'}:${listen} -> ` +
      `${this.options.upstreamHost}:${this.options.upstreamPort}`
    );
  }

  get mode(): ProxyMode {
    return this.current;
  }

  /**
   * Switches the mode for open and new connections. A new `http-error` mode starts a new error
   * selection; `reset` resets every open connection at once. Throws on an invalid mode, and for
   * `http-error` on a `tcp` proxy (it cannot see requests).
   */
  setMode(mode: ProxyMode): void {
    validateProxyMode(mode);
    if (mode.kind === 'http-error' && this.ctx.protocol !== 'http') {
      throw new Error('http-error mode needs a proxy created with protocol "http"');
    }
    this.current = mode;
    this.selector =
      mode.kind === 'http-error' ? new ErrorSelector(mode.rate, mode.selection) : undefined;
    for (const connection of [...this.connections]) {
      connection.modeChanged();
    }
  }

  /** A copy of the counters. */
  stats(): ProxyCounters {
    return { ...this.counters };
  }

  /** Stops listening and closes every connection. Idempotent. */
  async close(): Promise<void> {
    for (const connection of this.connections) {
      connection.destroy();
    }
    this.connections.clear();
    if (!this.server.listening) {
      return;
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private count(event: ConnectionEvent, bytes = 0): void {
    switch (event) {
      case 'forwarded':
        this.counters.requestsForwarded++;
        return;
      case 'failed':
        this.counters.requestsFailed++;
        return;
      case 'reset':
        this.counters.resets++;
        return;
      case 'bytesToUpstream':
        this.counters.bytesToUpstream += bytes;
        return;
      case 'bytesToClient':
        this.counters.bytesToClient += bytes;
        return;
      case 'closed':
        this.counters.activeConnections--;
        return;
    }
  }
}
