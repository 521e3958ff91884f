import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadTlsClientOptions } from '@sousvide/security';
import { InfluxWriter } from '../src/lib/influx/influx-writer';
import { telemetryMessage } from '../src/lib/influx/influx-writer.testing';

const MAKE_CERTS = resolve(__dirname, '../../../tools/security/make-certs.sh');

/**
 * The writer over https with the stack's private CA (INFLUX_TLS_CA_FILE, ADR 0033): an https
 * server with the server certificate from tools/security/make-certs.sh stands in for Influx's
 * write endpoint (VictoriaMetrics' TLS flags differ between its images).
 */
describe('InfluxWriter over https with a private CA', () => {
  let dir: string;
  let server: Server;
  let url: string;
  const bodies: { auth?: string; body: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'influx-tls-'));
    execFileSync('bash', [MAKE_CERTS, '--out', dir], { stdio: 'ignore' });
    server = createServer(
      { cert: readFileSync(join(dir, 'server.crt')), key: readFileSync(join(dir, 'server.key')) },
      (req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          bodies.push({ auth: req.headers.authorization, body });
          res.writeHead(204).end();
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    // localhost: a name the server certificate carries, checked like any other.
    url = `https://localhost:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const writerWith = (tls?: ReturnType<typeof loadTlsClientOptions>) =>
    new InfluxWriter({
      url,
      token: 'tls-test-token',
      org: 'o',
      bucket: 'b',
      retryBudgetMs: 0,
      maxRetries: 0,
      tls,
    });

  it('writes when given the CA that signed the server certificate', async () => {
    const writer = writerWith(loadTlsClientOptions({ caFile: join(dir, 'ca.crt') }));
    try {
      const outcome = await writer.write([telemetryMessage(1, { deviceId: 'sv-tls-1' })]);
      expect(outcome.failed).toEqual([]);
      expect(outcome.ok).toHaveLength(1);
      expect(bodies.at(-1)?.auth).toBe('Token tls-test-token');
      expect(bodies.at(-1)?.body).toContain('deviceId=sv-tls-1');
    } finally {
      await writer.close();
    }
  });

  it('refuses the server without that CA (Node`s roots do not know it): nothing is sent', async () => {
    const before = bodies.length;
    const writer = writerWith(undefined);
    try {
      const outcome = await writer.write([telemetryMessage(2, { deviceId: 'sv-tls-2' })]);
      expect(outcome.ok).toEqual([]);
      expect(outcome.failed).toHaveLength(1);
      expect(outcome.failed[0].error).toMatch(/certificate/i);
      expect(bodies.length).toBe(before);
    } finally {
      await writer.close();
    }
  });
});
