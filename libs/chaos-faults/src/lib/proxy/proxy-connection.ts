import { connect, type Socket } from 'node:net';
import { DelayedPipe, type DelayPolicy } from './delayed-pipe';
import { HttpRequestFramer, type FramerEvent } from './http-request-framer';
import type { ProxyMode } from './proxy-mode';

/** What a connection needs from its proxy: the current mode and where to count. */
export interface ProxyContext {
  readonly upstreamHost: string;
  readonly upstreamPort: number;
  readonly protocol: 'tcp' | 'http';
  readonly maxBufferedBytes: number;
  mode(): ProxyMode;
  /** In http-error mode: true when the next request is to fail. */
  nextRequestFails(): boolean;
  count(event: ConnectionEvent, bytes?: number): void;
}

export type ConnectionEvent =
  | 'forwarded'
  | 'failed'
  | 'reset'
  | 'bytesToUpstream'
  | 'bytesToClient'
  | 'closed';

/**
 * One client connection and its upstream connection, with a {@link DelayedPipe} per direction.
 * Both sockets allow half-open connections so a client's FIN reaches upstream only after the bytes
 * before it, and the upstream can still answer (Node closes the writable side on 'end' otherwise).
 */
export class ProxyConnection {
  private readonly upstream: Socket;
  private readonly toUpstream: DelayedPipe;
  private readonly toClient: DelayedPipe;
  private readonly framer?: HttpRequestFramer;
  /** The request being read fails: its bytes are dropped and its end answered by the proxy. */
  private failing: { expectContinue: boolean } | undefined;
  private closed = false;
  private wasReset = false;

  constructor(
    private readonly client: Socket,
    private readonly ctx: ProxyContext,
  ) {
    this.upstream = connect({
      host: ctx.upstreamHost,
      port: ctx.upstreamPort,
      allowHalfOpen: true,
    });
    this.toUpstream = new DelayedPipe(
      client,
      this.upstream,
      this.policy('upstream'),
      (n) => ctx.count('bytesToUpstream', n),
      ctx.maxBufferedBytes,
    );
    this.toClient = new DelayedPipe(
      this.upstream,
      client,
      this.policy('downstream'),
      (n) => ctx.count('bytesToClient', n),
      ctx.maxBufferedBytes,
    );
    if (ctx.protocol === 'http') {
      this.framer = new HttpRequestFramer();
    }
    this.wire();
  }

  /** Applies a mode change to this connection. */
  modeChanged(): void {
    if (this.ctx.mode().kind === 'reset') {
      this.reset();
      return;
    }
    this.toUpstream.kick();
    this.toClient.kick();
  }

  /** Resets both sides with TCP RST (SO_LINGER 0), so each peer sees ECONNRESET. */
  reset(): void {
    if (this.wasReset) {
      return;
    }
    this.wasReset = true;
    this.ctx.count('reset');
    this.toUpstream.stop();
    this.toClient.stop();
    for (const socket of [this.client, this.upstream]) {
      if (!socket.destroyed) {
        socket.resetAndDestroy();
      }
    }
  }

  /** Closes both sides at once (proxy shutdown). */
  destroy(): void {
    this.toUpstream.stop();
    this.toClient.stop();
    this.client.destroy();
    this.upstream.destroy();
  }

  private wire(): void {
    const { client, upstream } = this;
    // Nagle on the proxy's sockets would add delayed-ACK stalls (~40 ms) to small writes such as
    // chunked-body framing: a pass-through proxy must not add latency of its own.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // Errors end in 'close' (with hadError); handled there.
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('data', (chunk: Buffer) => this.fromClient(chunk));
    client.on('end', () => this.toUpstream.end());
    upstream.on('data', (chunk: Buffer) => this.toClient.push(chunk));
    upstream.on('end', () => this.toClient.end());
    client.on('close', (hadError) => {
      // Nobody reads answers any more; what the client sent before closing still goes upstream.
      this.toClient.stop();
      if (hadError) {
        this.toUpstream.stop();
        upstream.destroy();
      } else {
        this.toUpstream.end(() => upstream.destroy());
      }
      this.markClosed();
    });
    upstream.on('close', (hadError) => {
      this.toUpstream.stop();
      if (hadError && !client.destroyed) {
        // Pass the upstream's failure (refused, reset) on as a reset rather than a clean end.
        this.toClient.stop();
        client.resetAndDestroy();
      } else {
        this.toClient.end(() => client.destroy());
      }
    });
  }

  private fromClient(chunk: Buffer): void {
    if (this.ctx.mode().kind === 'reset') {
      this.reset();
      return;
    }
    if (!this.framer) {
      this.toUpstream.push(chunk);
      return;
    }
    for (const event of this.framer.push(chunk)) {
      this.onFramerEvent(event);
    }
  }

  private onFramerEvent(event: FramerEvent): void {
    switch (event.type) {
      case 'head': {
        const mode = this.ctx.mode();
        if (mode.kind === 'http-error' && this.ctx.nextRequestFails()) {
          this.failing = { expectContinue: event.expectContinue };
          return;
        }
        this.ctx.count('forwarded');
        this.toUpstream.push(event.bytes);
        return;
      }
      case 'body':
        if (!this.failing) {
          this.toUpstream.push(event.bytes);
        }
        return;
      case 'end':
        if (this.failing) {
          this.answerFailed(this.failing.expectContinue);
          this.failing = undefined;
        }
        return;
      case 'opaque':
        this.toUpstream.push(event.bytes);
        return;
    }
  }

  /**
   * Answers a failed request in place of the upstream. The answer goes through the client pipe so
   * it stays behind anything the upstream sent before. After `Expect: 100-continue` the client may
   * or may not send the body it announced, so that connection is closed after the answer.
   */
  private answerFailed(close: boolean): void {
    const mode = this.ctx.mode();
    const status = mode.kind === 'http-error' ? (mode.status ?? 503) : 503;
    const retryAfter = mode.kind === 'http-error' ? (mode.retryAfterSec ?? 1) : 1;
    const body = JSON.stringify({
      code: 'unavailable',
      message: 'injected by the chaos fault proxy',
    });
    const head = [
      `HTTP/1.1 ${status} ${status === 503 ? 'Service Unavailable' : 'Injected Fault'}`,
      `Retry-After: ${retryAfter}`,
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...(close ? ['Connection: close'] : []),
    ];
    this.ctx.count('failed');
    this.toClient.push(Buffer.from(`${head.join('\r\n')}\r\n\r\n${body}`));
    if (close) {
      this.toClient.end(() => this.client.destroy());
    }
  }

  private policy(direction: 'upstream' | 'downstream'): DelayPolicy {
    return () => {
      const mode = this.ctx.mode();
      if (mode.kind === 'blackhole') {
        return 'hold';
      }
      if (mode.kind === 'latency') {
        const applies = (mode.direction ?? 'both') === 'both' || mode.direction === direction;
        return applies ? mode.ms : 0;
      }
      return 0;
    };
  }

  private markClosed(): void {
    if (!this.closed) {
      this.closed = true;
      this.ctx.count('closed');
    }
  }
}
