import { readFileSync } from 'node:fs';
import { connectAsync } from 'mqtt';
import { GATEWAY_SHARED_SUBSCRIPTION } from '@sousvide/telemetry-schema';
import { startSecureMosquitto, type SecureMosquitto } from '@sousvide/testing';
import { MqttConsumerError } from '../src';
import { probe, until } from './support/probe';

/**
 * The consumer against the secure broker (docker/mosquitto/secure.conf, dynsec identities from the
 * provisioner's library): TLS on 8883 with the stack's CA, the gateway identity's password in
 * CONNECT, and the shared subscription the gateway role is granted (ADR 0033).
 */
describe('consumer against the secure broker (TLS, dynsec)', () => {
  let secure: SecureMosquitto;
  let ca: Buffer;

  beforeAll(async () => {
    secure = await startSecureMosquitto({ devices: 2 });
    ca = readFileSync(secure.caFile);
  });

  afterAll(async () => {
    await secure?.stop();
  });

  it('takes the shared telemetry subscription over mqtts:// as the gateway, from two client ids', async () => {
    const login = { username: secure.gatewayUser, password: secure.gatewayPassword };
    // Two connections under one identity, as every gateway opens: dynsec binds no client id to it.
    const probes = [0, 1].map((i) =>
      probe({
        url: secure.tlsUrl,
        ...login,
        tls: { ca },
        clientId: `gw-tls-${i}`,
        topicFilter: GATEWAY_SHARED_SUBSCRIPTION,
        onBatch: (batch) => batch.forEach((d) => d.ack?.ack()),
      }),
    );
    await Promise.all(probes.map((p) => p.consumer.start()));
    const { id, login: device } = secure.device(0);
    const pub = await connectAsync(secure.tlsUrl, { ...device, ca, reconnectPeriod: 0 }, false);
    try {
      for (let i = 0; i < 10; i += 1) {
        await pub.publishAsync(`sousvide/${id}/telemetry`, `m${i}`, { qos: 1 });
      }
      await until(
        '10 deliveries over both connections',
        () => probes.reduce((n, p) => n + p.deliveries.length, 0) === 10,
      );
    } finally {
      await pub.endAsync();
      await Promise.all(probes.map((p) => p.consumer.close({ endSession: true })));
    }
  });

  it('fails start() at once with the broker`s reason when the password is wrong', async () => {
    const p = probe({
      url: secure.tlsUrl,
      username: secure.gatewayUser,
      password: 'not-the-gateway-password',
      tls: { ca },
      clientId: 'gw-wrong',
      topicFilter: GATEWAY_SHARED_SUBSCRIPTION,
      firstConnectTimeoutMs: 10_000,
    });
    const err = (await p.consumer.start().then(
      () => undefined,
      (e: unknown) => e,
    )) as MqttConsumerError;
    expect(err).toBeInstanceOf(MqttConsumerError);
    expect(err.message).toMatch(/bad user name or password|not authori[sz]ed/);
    expect(err.message).not.toContain('not-the-gateway-password');
  });

  it('refuses the broker when its certificate is not from the CA given (Node`s roots)', async () => {
    const p = probe({
      url: secure.tlsUrl,
      username: secure.gatewayUser,
      password: secure.gatewayPassword,
      clientId: 'gw-no-ca',
      topicFilter: GATEWAY_SHARED_SUBSCRIPTION,
      firstConnectTimeoutMs: 2000,
    });
    await expect(p.consumer.start()).rejects.toThrow(/certificate|CERT/);
  });
});
