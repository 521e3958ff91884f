// Test helper (used by the specs beside it, not exported from the lib): an InfluxDB v2 write
// endpoint that answers what each test scripts, since real services cannot produce 413/429/503 etc.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** How to answer one request: a status (+headers/body), never answer, or drop the connection. */
export type FaultReply =
  | { status: number; headers?: Record<string, string>; body?: string }
  | 'hang'
  | 'reset';

export interface ReceivedWrite {
  path: string;
  headers: IncomingHttpHeaders;
  lines: string[];
  reply: FaultReply;
}

export interface FaultServer {
  url: string;
  requests: ReceivedWrite[];
  /** Lines of the requests answered 2xx, i.e. what a real server would have stored. */
  stored(): string[];
  close(): Promise<void>;
}

/** Chooses the reply from the request's lines and its 0-based index. */
export type FaultScript = (lines: string[], index: number) => FaultReply;

/** Starts the server on 127.0.0.1 with an OS-chosen port. */
export async function startFaultServer(script: FaultScript): Promise<FaultServer> {
  const requests: ReceivedWrite[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const lines = body
        .toString('utf8')
        .split('\n')
        .filter((line) => line !== '');
      const reply = script(lines, requests.length);
      requests.push({ path: req.url ?? '', headers: req.headers, lines, reply });
      if (reply === 'hang') {
        return;
      }
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, reply.headers);
      res.end(reply.body);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stored: () =>
      requests
        .filter((r) => r.reply !== 'hang' && r.reply !== 'reset' && r.reply.status < 300)
        .flatMap((r) => r.lines),
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Hanging requests would keep close() waiting forever.
        for (const socket of sockets) {
          socket.destroy();
        }
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** JSON error body in the shape InfluxDB v2 uses, e.g. `{"code":"invalid","message":"..."}`. */
export function influxError(status: number, code: string, message: string): FaultReply {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ code, message }),
  };
}
