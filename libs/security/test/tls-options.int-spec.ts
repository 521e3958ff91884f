import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, createServer, get, Server } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import { loadTlsClientOptions, TlsClientOptions, TlsConfigError } from '../src';

const MAKE_CERTS = resolve(__dirname, '../../../tools/security/make-certs.sh');

/** GET / over https with the given client options; resolves with the status or the TLS error code. */
function fetchStatus(port: number, options: TlsClientOptions): Promise<number | string> {
  return new Promise((done) => {
    const agent = new Agent({ ...options, keepAlive: false });
    get({ host: 'localhost', port, path: '/', agent }, (res) => {
      res.resume();
      done(res.statusCode ?? 0);
    }).on('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

describe('TLS client options with certificates from make-certs.sh (real files, real handshakes)', () => {
  let dir: string;
  let good: string;
  let rogue: string;
  let server: Server;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tls-options-int-'));
    good = join(dir, 'good');
    rogue = join(dir, 'rogue');
    for (const out of [good, rogue]) {
      execFileSync('bash', [MAKE_CERTS, '--out', out], { stdio: 'ignore' });
    }
    // An https server that requires a client certificate from the good CA (mutual TLS).
    server = createServer(
      {
        key: readFileSync(join(good, 'server.key')),
        cert: readFileSync(join(good, 'server.crt')),
        ca: readFileSync(join(good, 'ca.crt')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (_req, res) => res.end('ok'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const files = (ca: string, client?: { dir: string; name: string }) => ({
    caFile: join(ca, 'ca.crt'),
    ...(client
      ? {
          certFile: join(client.dir, `client-${client.name}.crt`),
          keyFile: join(client.dir, `client-${client.name}.key`),
        }
      : {}),
  });

  it('gives options an https.Agent uses for mutual TLS as they are', async () => {
    const options = loadTlsClientOptions(files(good, { dir: good, name: 'ingest-gateway' }));
    expect(options.rejectUnauthorized).toBe(true);
    await expect(fetchStatus(port, options)).resolves.toBe(200);
  });

  it('makes the handshake fail with another CA or without a client certificate', async () => {
    // The server sends its CA with its certificate (it has `ca` to check clients with): the
    // chain ends in a CA this client does not trust.
    await expect(
      fetchStatus(port, loadTlsClientOptions(files(rogue, { dir: good, name: 'ingest-gateway' }))),
    ).resolves.toBe('SELF_SIGNED_CERT_IN_CHAIN');
    await expect(fetchStatus(port, loadTlsClientOptions(files(good)))).resolves.toBe(
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    );
  });

  it('refuses at load time a key that belongs to another certificate', () => {
    const mixed = {
      caFile: join(good, 'ca.crt'),
      certFile: join(good, 'client-ingest-gateway.crt'),
      keyFile: join(good, 'client-sim-agent.key'),
    };
    expect(() => loadTlsClientOptions(mixed)).toThrow(
      new TlsConfigError(
        'TLS_KEY_MISMATCH',
        `keyFile=${mixed.keyFile} is not the private key of certFile=${mixed.certFile}`,
      ),
    );
  });

  it('refuses at load time a certificate that has expired, naming it', () => {
    const inTwoYears = new Date(Date.now() + 2 * 365 * 86_400_000);
    const load = () =>
      loadTlsClientOptions(files(good, { dir: good, name: 'sim-agent' }), undefined, inTwoYears);
    expect(load).toThrow(TlsConfigError);
    expect(load).toThrow(
      /^certFile=.*client-sim-agent\.crt: certificate ".*CN=sim-agent" expired on /,
    );
  });
});
