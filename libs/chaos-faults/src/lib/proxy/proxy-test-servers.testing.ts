// Test helpers for the proxy specs (not exported from the lib): local upstreams and a client.
import { createHash } from 'node:crypto';
import {
  Agent,
  createServer as createHttpServer,
  request,
  type IncomingHttpHeaders,
} from 'node:http';
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';

export interface EchoHttpServer {
  port: number;
  /** Requests received, in order, with the socket they came on (index into `sockets`). */
  received: { method: string; url: string; bodyBytes: number; socket: number }[];
  close(): Promise<void>;
}

/** Answers every request with JSON naming its method, url, body length and sha256. */
export async function startEchoHttpServer(): Promise<EchoHttpServer> {
  const received: EchoHttpServer['received'] = [];
  const sockets: Socket[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        bodyBytes: body.length,
        socket: sockets.indexOf(req.socket),
      });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, bytes: body.length, sha: sha256(body) }));
    });
  });
  server.on('connection', (s) => sockets.push(s));
  return { port: await listen(server), received, close: () => closeServer(server, sockets) };
}

/** A TCP server that writes back what it reads. */
export async function startTcpEcho(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createTcpServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  return { port: await listen(server), close: () => closeServer(server, sockets) };
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request through `agent`; rejects with the socket error (e.g. ECONNRESET) or on timeout. */
export function httpRequest(
  port: number,
  options: {
    agent?: Agent;
    method?: string;
    path?: string;
    body?: Buffer;
    chunked?: boolean;
    timeoutMs?: number;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (options.body && !options.chunked) {
      headers['content-length'] = options.body.length;
    }
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? (options.body ? 'POST' : 'GET'),
        path: options.path ?? '/',
        agent: options.agent,
        headers,
        timeout: options.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })),
    );
    req.on('error', reject);
    if (options.body && options.chunked) {
      // Several writes so the body goes out as several chunks.
      const third = Math.ceil(options.body.length / 3);
      req.write(options.body.subarray(0, third));
      req.write(options.body.subarray(third, 2 * third));
      req.end(options.body.subarray(2 * third));
    } else {
      req.end(options.body);
    }
  });
}

export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function closeServer(
  server: Server | ReturnType<typeof createHttpServer>,
  sockets: Socket[],
): Promise<void> {
  for (const s of sockets) {
    s.destroy();
  }
  return new Promise((resolve) => server.close(() => resolve()));
}
