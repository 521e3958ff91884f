import { join } from 'node:path';
import { IClientOptions, MqttClient } from 'mqtt';
import { loadTlsClientOptions, TlsClientOptions } from '@sousvide/security';
import { telemetryTopic } from '@sousvide/telemetry-schema';
import {
  connectOnce,
  deviceLogin,
  rejectionOf,
  SecureBroker,
  startSecureBroker,
} from './support/secure-broker';

/** TLS on 8883 and mutual TLS on 8884 of docker/mosquitto/secure.conf, certificates from make-certs.sh. */
describe('secure broker TLS listeners (real Mosquitto, certificates from make-certs.sh)', () => {
  let b: SecureBroker;
  let tlsUrl: string;
  let mtlsUrl: string;
  const open: MqttClient[] = [];

  beforeAll(async () => {
    b = await startSecureBroker('dynsec', 2);
    tlsUrl = `mqtts://${b.broker.host}:${b.broker.mappedPort(8883)}`;
    mtlsUrl = `mqtts://${b.broker.host}:${b.broker.mappedPort(8884)}`;
  });

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.endAsync()));
    await b?.stop();
  });

  const trust = (dir: string, client?: string): TlsClientOptions =>
    loadTlsClientOptions({
      caFile: join(dir, 'ca.crt'),
      ...(client
        ? {
            certFile: join(dir, `client-${client}.crt`),
            keyFile: join(dir, `client-${client}.key`),
          }
        : {}),
    });
  const connect = async (url: string, options: IClientOptions): Promise<MqttClient> => {
    const client = await connectOnce(url, options);
    open.push(client);
    return client;
  };

  it('accepts a device over TLS when the client trusts the stack CA, and carries its publish', async () => {
    const d = await connect(tlsUrl, { ...deviceLogin(b, 'sv-000000'), ...trust(b.certs.good) });
    await expect(
      d.publishAsync(telemetryTopic('sv-000000'), 'over-tls', { qos: 1 }),
    ).resolves.toBeDefined();
  });

  it('fails the handshake when the server certificate is not from the trusted CA', async () => {
    const err = await rejectionOf(
      connectOnce(tlsUrl, { ...deviceLogin(b, 'sv-000000'), ...trust(b.certs.rogue) }),
    );
    const noCa = await rejectionOf(connectOnce(tlsUrl, deviceLogin(b, 'sv-000000')));
    // The broker sends its CA along with its certificate: a chain ending in a CA nobody trusts.
    expect([err.code, noCa.code]).toEqual([
      'SELF_SIGNED_CERT_IN_CHAIN',
      'SELF_SIGNED_CERT_IN_CHAIN',
    ]);
  });

  it('fails the handshake when the server certificate does not name the host', async () => {
    const err = await rejectionOf(
      connectOnce(tlsUrl, {
        ...deviceLogin(b, 'sv-000000'),
        ...trust(b.certs.good),
        servername: 'not-in-the-certificate.example',
      }),
    );
    expect(err.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('still refuses anonymous clients over TLS', async () => {
    const err = await rejectionOf(
      connectOnce(tlsUrl, { clientId: 'anon', ...trust(b.certs.good) }),
    );
    expect(err.code).toBe(5);
  });

  it('mutual TLS: accepts a client certificate from the stack CA plus the device password', async () => {
    const d = await connect(mtlsUrl, {
      ...deviceLogin(b, 'sv-000001'),
      ...trust(b.certs.good, 'sim-agent'),
    });
    await expect(
      d.publishAsync(telemetryTopic('sv-000001'), 'over-mtls', { qos: 1 }),
    ).resolves.toBeDefined();
  });

  it('mutual TLS: refuses no client certificate and one from another CA', async () => {
    const none = await rejectionOf(
      connectOnce(mtlsUrl, { ...deviceLogin(b, 'sv-000001'), ...trust(b.certs.good) }),
    );
    const rogue = await rejectionOf(
      connectOnce(mtlsUrl, {
        ...deviceLogin(b, 'sv-000001'),
        ...trust(b.certs.good),
        cert: trust(b.certs.rogue, 'sim-agent').cert,
        key: trust(b.certs.rogue, 'sim-agent').key,
      }),
    );
    // The broker aborts the handshake with a TLS alert; it never gets to a CONNACK.
    expect(none.code).toBe('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
    expect(rogue.code).toBe('ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  });

  it('mutual TLS: a valid certificate does not replace the device password', async () => {
    const err = await rejectionOf(
      connectOnce(mtlsUrl, {
        ...deviceLogin(b, 'sv-000001'),
        password: 'wrong',
        ...trust(b.certs.good, 'sim-agent'),
      }),
    );
    expect(err.code).toBe(5);
  });
});
