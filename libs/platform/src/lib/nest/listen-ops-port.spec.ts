import { createServer, type Server } from 'node:net';
import { freePort } from '@sousvide/shared-util';
import { listenOpsPort } from './listen-ops-port';

/** A stand-in for a Nest app's listen: a plain server on the same port and host. */
function app(servers: Server[]) {
  return {
    listen: (port: number, host?: string) =>
      new Promise<void>((resolve, reject) => {
        const server = createServer();
        servers.push(server);
        server.once('error', reject);
        server.listen(port, host, resolve);
      }),
  };
}

describe('listenOpsPort', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  it('listens on a free port', async () => {
    const port = await freePort();
    await listenOpsPort(app(servers), port, '127.0.0.1');
    expect(servers[0]?.listening).toBe(true);
  });

  it('names OPS_PORT and the fix when another process holds the port', async () => {
    const port = await freePort();
    await app(servers).listen(port);
    await expect(listenOpsPort(app(servers), port)).rejects.toThrow(
      `OPS_PORT ${port} is already in use (another process holds it): set OPS_PORT to a free port`,
    );
    await expect(listenOpsPort(app(servers), port, '127.0.0.1')).rejects.toThrow(
      `OPS_PORT ${port} is already in use on 127.0.0.1`,
    );
  });

  it('passes any other failure on unchanged', async () => {
    const failing = { listen: () => Promise.reject(new Error('getaddrinfo ENOTFOUND nowhere')) };
    await expect(listenOpsPort(failing, 3000, 'nowhere')).rejects.toThrow(
      'getaddrinfo ENOTFOUND nowhere',
    );
  });
});
