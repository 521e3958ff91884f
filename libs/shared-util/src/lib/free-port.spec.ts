import { createServer, type Server } from 'node:net';
import { ephemeralPortRange, freePorts } from './free-port';

describe('ephemeralPortRange', () => {
  it("reads the kernel's range, and falls back to Linux's default when the text is not one", () => {
    expect(ephemeralPortRange('32768\t60999\n')).toEqual([32768, 60999]);
    expect(ephemeralPortRange('40000 50000')).toEqual([40000, 50000]);
    expect(ephemeralPortRange('')).toEqual([32768, 60999]);
    expect(ephemeralPortRange('60999 32768')).toEqual([32768, 60999]);
  });
});

describe('freePorts', () => {
  it('gives distinct ports below the ephemeral range that a process can listen on', async () => {
    const [low] = ephemeralPortRange();
    const ports = await freePorts(20);
    expect(new Set(ports).size).toBe(20);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(low);
    }
    // Released: each can be bound again on every interface, as an app's listen(port) does.
    const servers: Server[] = [];
    try {
      for (const port of ports) {
        const server = createServer();
        servers.push(server);
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, resolve);
        });
      }
    } finally {
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
  });
});
