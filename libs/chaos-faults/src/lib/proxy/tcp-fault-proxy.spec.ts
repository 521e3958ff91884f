import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ProxyFault } from './proxy-fault';
import {
  httpRequest,
  sha256,
  startEchoHttpServer,
  startTcpEcho,
  type EchoHttpServer,
} from './proxy-test-servers.testing';
import { TcpFaultProxy } from './tcp-fault-proxy';

const body = (i: number, size: number): Buffer => Buffer.alloc(size, `payload-${i}-`);

describe('TcpFaultProxy in front of an HTTP server', () => {
  let upstream: EchoHttpServer;
  let proxy: TcpFaultProxy;
  let agent: Agent;

  beforeEach(async () => {
    upstream = await startEchoHttpServer();
    proxy = new TcpFaultProxy({
      upstreamHost: '127.0.0.1',
      upstreamPort: upstream.port,
      protocol: 'http',
    });
    await proxy.start();
    // One keep-alive socket: every request below shares one proxied connection.
    agent = new Agent({ keepAlive: true, maxSockets: 1 });
  });

  afterEach(async () => {
    agent.destroy();
    await proxy.close();
    await upstream.close();
  });

  it('passes keep-alive requests with Content-Length and chunked bodies through unchanged', async () => {
    const sizes = [0, 1, 100, 70_000, 3, 250_000];
    for (const [i, size] of sizes.entries()) {
      const payload = body(i, size);
      const res = await httpRequest(proxy.port, {
        agent,
        path: `/r${i}`,
        method: 'POST',
        body: payload,
        chunked: i % 2 === 1,
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ url: `/r${i}`, bytes: size, sha: sha256(payload) });
    }
    expect(upstream.received.map((r) => r.socket)).toEqual(sizes.map(() => 0));
    expect(proxy.stats()).toMatchObject({
      connections: 1,
      requestsForwarded: sizes.length,
      requestsFailed: 0,
    });
  });

  it('adds at least the configured latency to each direction', async () => {
    await httpRequest(proxy.port, { agent }); // connect first: measure only the request
    proxy.setMode({ kind: 'latency', ms: 150, direction: 'upstream' });
    let start = performance.now();
    expect((await httpRequest(proxy.port, { agent, path: '/up' })).status).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(150);

    proxy.setMode({ kind: 'latency', ms: 150 });
    start = performance.now();
    expect(
      (await httpRequest(proxy.port, { agent, path: '/both', body: body(1, 10) })).status,
    ).toBe(200);
    expect(performance.now() - start).toBeGreaterThanOrEqual(300);
  });

  it('answers exactly floor(n * rate) of n keep-alive requests with 503 + Retry-After, forwarding the rest', async () => {
    proxy.setMode({ kind: 'http-error', rate: 0.3, retryAfterSec: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 100; i++) {
      const res = await httpRequest(proxy.port, {
        agent,
        path: `/w${i}`,
        body: body(i, 50 + i),
        chunked: i % 3 === 0,
      });
      statuses.push(res.status);
      if (res.status === 503) {
        expect(res.headers['retry-after']).toBe('2');
      } else {
        expect(JSON.parse(res.body)).toMatchObject({ url: `/w${i}`, bytes: 50 + i });
      }
    }
    expect(statuses.filter((s) => s === 503)).toHaveLength(30);
    expect(statuses.filter((s) => s === 200)).toHaveLength(70);
    // The failed requests never reached the upstream; all went over one connection.
    expect(upstream.received).toHaveLength(70);
    expect(new Set(upstream.received.map((r) => r.socket))).toEqual(new Set([0]));
    expect(proxy.stats()).toMatchObject({
      connections: 1,
      requestsForwarded: 70,
      requestsFailed: 30,
    });
  });

  it('selects failing requests reproducibly from a seed', async () => {
    const pattern = async (): Promise<number[]> => {
      proxy.setMode({ kind: 'http-error', rate: 0.5, selection: { seed: 42 } });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        statuses.push((await httpRequest(proxy.port, { agent })).status);
      }
      return statuses;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    expect(first).toContain(503);
    expect(first).toContain(200);
  });

  it('resets open and new connections: the client gets ECONNRESET', async () => {
    const open = await rawConnection(proxy.port);
    const openError = errorOf(open);
    proxy.setMode({ kind: 'reset' });
    expect(await openError).toBe('ECONNRESET');

    await expect(httpRequest(proxy.port, { agent, body: body(1, 10) })).rejects.toMatchObject({
      code: 'ECONNRESET',
    });
    expect(proxy.stats().resets).toBeGreaterThanOrEqual(2);
    expect(upstream.received).toHaveLength(0);
  });

  it('blackholes: the client times out; lifting restores service', async () => {
    const fault = new ProxyFault(proxy, { kind: 'blackhole' });
    await fault.inject();
    await expect(
      httpRequest(proxy.port, { agent, body: body(1, 10), timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'CLIENT_TIMEOUT' });
    expect(upstream.received).toHaveLength(0);

    await fault.lift();
    await fault.lift(); // idempotent
    expect(proxy.mode).toEqual({ kind: 'pass-through' });
    expect((await httpRequest(proxy.port, { agent, path: '/after' })).status).toBe(200);
  });

  it('restores pass-through on lift after errors and resets', async () => {
    for (const mode of [{ kind: 'http-error', rate: 1 }, { kind: 'reset' }] as const) {
      const fault = new ProxyFault(proxy, mode);
      await fault.inject();
      await httpRequest(proxy.port, { agent }).catch(() => undefined);
      await fault.lift();
      expect((await httpRequest(proxy.port, { agent, body: body(2, 20) })).status).toBe(200);
    }
  });

  it('rejects http-error on a tcp proxy and invalid modes', async () => {
    const tcp = new TcpFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort: upstream.port });
    expect(() => tcp.setMode({ kind: 'http-error', rate: 0.5 })).toThrow(/protocol "http"/);
    expect(() => proxy.setMode({ kind: 'http-error', rate: 1.5 })).toThrow(/rate/);
    expect(() => proxy.setMode({ kind: 'latency', ms: -1 })).toThrow(/latency/);
    await expect(new ProxyFault(tcp, { kind: 'reset' }).verify()).rejects.toMatchObject({
      code: 'FAULT_TARGET_NOT_FOUND',
    });
  });
});

describe('TcpFaultProxy in front of a TCP echo server', () => {
  it('keeps chunk order under latency and delays every chunk by at least the configured ms', async () => {
    const echo = await startTcpEcho();
    const proxy = new TcpFaultProxy({ upstreamHost: '127.0.0.1', upstreamPort: echo.port });
    await proxy.start();
    try {
      proxy.setMode({ kind: 'latency', ms: 80, direction: 'upstream' });
      const socket = await rawConnection(proxy.port);
      const arrivals: { text: string; at: number }[] = [];
      socket.on('data', (c: Buffer) =>
        arrivals.push({ text: c.toString(), at: performance.now() }),
      );
      const sent: number[] = [];
      for (let i = 0; i < 5; i++) {
        sent.push(performance.now());
        socket.write(`<${i}>`);
        await new Promise((r) => setTimeout(r, 10));
      }
      const all = '<0><1><2><3><4>';
      const deadline = Date.now() + 3000;
      while (arrivals.map((a) => a.text).join('') !== all && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(arrivals.map((a) => a.text).join('')).toBe(all);
      // The first byte of each chunk cannot arrive before its send + 80 ms.
      let offset = 0;
      for (const { text, at } of arrivals) {
        const firstChunk = Number(/<(\d)>/.exec(text)?.[1] ?? offset);
        expect(at - sent[firstChunk]).toBeGreaterThanOrEqual(80);
        offset += text.length;
      }
      socket.destroy();
      expect(proxy.stats().bytesToUpstream).toBe(all.length);
    } finally {
      await proxy.close();
      await echo.close();
    }
  });
});

function rawConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function errorOf(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    socket.on('close', () => resolve('closed without error'));
  });
}
