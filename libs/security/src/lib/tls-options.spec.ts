import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadTlsClientOptions,
  tlsClientOptionsFromEnv,
  tlsEnvShape,
  tlsFileVars,
} from './tls-options';
import { TlsConfigError } from './tls-config.error';

// Paths that need no certificate; handshakes with real certificates are in test/*.int-spec.ts.
describe('TLS client options (file problems)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tls-options-'));
    writeFileSync(join(dir, 'garbage.pem'), 'hello\n');
    writeFileSync(
      join(dir, 'broken-cert.pem'),
      '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const codeOf = (fn: () => unknown): string | undefined => {
    try {
      fn();
    } catch (err) {
      return err instanceof TlsConfigError ? `${err.code}: ${err.message}` : String(err);
    }
    return undefined;
  };

  it('names its variables <PREFIX>_TLS_CA_FILE, _CERT_FILE, _KEY_FILE', () => {
    expect(tlsFileVars('MQTT')).toEqual({
      caFile: 'MQTT_TLS_CA_FILE',
      certFile: 'MQTT_TLS_CERT_FILE',
      keyFile: 'MQTT_TLS_KEY_FILE',
    });
    // Typed keys: an env schema spreading the shape keeps its variables' names.
    const shape: Record<'REDIS_TLS_CA_FILE', unknown> = tlsEnvShape('REDIS');
    expect(Object.keys(shape).sort()).toEqual([
      'REDIS_TLS_CA_FILE',
      'REDIS_TLS_CERT_FILE',
      'REDIS_TLS_KEY_FILE',
    ]);
  });

  it('gives no options when none of the variables is set', () => {
    expect(tlsClientOptionsFromEnv({ MQTT_URL: 'mqtts://h' }, 'MQTT')).toBeUndefined();
    expect(tlsClientOptionsFromEnv({ MQTT_TLS_CA_FILE: '' }, 'MQTT')).toBeUndefined();
  });

  it('refuses a certificate without its key, naming both variables', () => {
    expect(codeOf(() => tlsClientOptionsFromEnv({ MQTT_TLS_CERT_FILE: '/x.crt' }, 'MQTT'))).toBe(
      'TLS_HALF_PAIR: MQTT_TLS_CERT_FILE is set but MQTT_TLS_KEY_FILE is not: mutual TLS needs both',
    );
  });

  it('refuses an unreadable file, naming the variable and path', () => {
    const path = join(dir, 'missing.crt');
    expect(codeOf(() => tlsClientOptionsFromEnv({ REDIS_TLS_CA_FILE: path }, 'REDIS'))).toBe(
      `TLS_FILE_UNREADABLE: cannot read REDIS_TLS_CA_FILE=${path} (ENOENT)`,
    );
  });

  it('refuses files that hold no PEM certificate', () => {
    const garbage = join(dir, 'garbage.pem');
    const broken = join(dir, 'broken-cert.pem');
    expect(codeOf(() => loadTlsClientOptions({ caFile: garbage }))).toBe(
      `TLS_NOT_PEM: caFile=${garbage} is not a PEM certificate file: no CERTIFICATE block`,
    );
    expect(codeOf(() => loadTlsClientOptions({ caFile: broken }))).toMatch(
      new RegExp(`^TLS_NOT_PEM: caFile=${broken} is not a PEM certificate file: `),
    );
  });
});
