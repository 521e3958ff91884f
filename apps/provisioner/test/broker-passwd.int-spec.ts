import { MqttClient } from 'mqtt';
import { waitFor } from '@sousvide/testing';
import { GATEWAY_SHARED_SUBSCRIPTION, telemetryTopic } from '@sousvide/telemetry-schema';
import {
  connectOnce,
  deviceLogin,
  gatewayLogin,
  rejectionOf,
  SecureBroker,
  startSecureBroker,
} from './support/secure-broker';

const DEADLINE_MS = 10_000;

/**
 * --format passwd: Mosquitto 2.0.11 reads our Node-made $7$ file and enforces the acl_file
 * patterns on publishing, but its acl_file never checks SUBSCRIBE. These tests pin both, since
 * docs/security.md and ADR 0014 choose dynsec as the default because of the second.
 */
describe('secure broker with a $7$ password file and acl_file patterns (real Mosquitto)', () => {
  let b: SecureBroker;
  let gateway: MqttClient;
  const atGateway: string[] = [];
  const open: MqttClient[] = [];

  beforeAll(async () => {
    b = await startSecureBroker('passwd', 3);
    gateway = await connectOnce(b.broker.url, gatewayLogin(b, 'gw-passwd-0'));
    open.push(gateway);
    gateway.on('message', (_topic, payload) => atGateway.push(payload.toString()));
    await gateway.subscribeAsync(GATEWAY_SHARED_SUBSCRIPTION, { qos: 1 });
  });

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.endAsync()));
    await b?.stop();
  });

  const device = async (id: string): Promise<MqttClient> => {
    const client = await connectOnce(b.broker.url, { ...deviceLogin(b, id), protocolVersion: 5 });
    open.push(client);
    return client;
  };

  it('authenticates the identities hashed in Node and refuses a wrong password', async () => {
    const d = await device('sv-000001');
    await d.publishAsync(telemetryTopic('sv-000001'), 'passwd-own', { qos: 1 });
    await waitFor('own telemetry', () => atGateway.includes('passwd-own'), {
      timeoutMs: DEADLINE_MS,
    });
    const wrong = await rejectionOf(
      connectOnce(b.broker.url, { ...deviceLogin(b, 'sv-000001'), password: 'nope' }),
    );
    expect(wrong.code).toBe(5);
  });

  it("refuses another device's telemetry through the %u pattern", async () => {
    const d = await device('sv-000000');
    const refused = await rejectionOf(
      d.publishAsync(telemetryTopic('sv-000001'), 'passwd-spoof', { qos: 1 }),
    );
    expect(refused.code).toBe(135);
  });

  it("grants a device's $share subscription, which then swallows its turn of the group", async () => {
    const intruder = await device('sv-000002');
    const stolen: string[] = [];
    intruder.on('message', (_t, payload) => stolen.push(payload.toString()));
    await intruder.subscribeAsync(GATEWAY_SHARED_SUBSCRIPTION, { qos: 1 }); // granted: no check
    const publisher = await device('sv-000000');
    const sent = Array.from({ length: 10 }, (_, i) => `share-${i}`);
    for (const payload of sent) {
      await publisher.publishAsync(telemetryTopic('sv-000000'), payload, { qos: 1 });
    }
    // Routing happens before the PUBACK; once the intruder has left, a marker that reaches the
    // gateway comes after everything routed to it before.
    await intruder.endAsync();
    await publisher.publishAsync(telemetryTopic('sv-000000'), 'share-marker', { qos: 1 });
    await waitFor('marker', () => atGateway.includes('share-marker'), { timeoutMs: DEADLINE_MS });
    const delivered = sent.filter((p) => atGateway.includes(p));
    expect(stolen).toEqual([]); // the read check stops delivery to the intruder...
    expect(delivered).toHaveLength(5); // ...but its turns are dropped, not given to the gateway
  });

  it('lets the monitor read $SYS and its markers through its user block, and publish nothing else', async () => {
    const monitor = await connectOnce(b.broker.url, {
      clientId: `sim-coordinator-sys-passwd-${process.pid}`,
      username: b.monitorUser,
      password: b.monitorPassword,
      protocolVersion: 5,
    });
    open.push(monitor);
    const seen: string[] = [];
    monitor.on('message', (topic) => seen.push(topic));
    const marker = 'sim-coordinator/sys-probe/passwd/0';
    await monitor.subscribeAsync(['$SYS/broker/uptime', 'sim-coordinator/sys-probe/#'], { qos: 0 });
    await monitor.publishAsync(marker, '1', { qos: 1, retain: true });
    await waitFor(
      'uptime and marker',
      () => seen.includes('$SYS/broker/uptime') && seen.includes(marker),
      {
        timeoutMs: DEADLINE_MS,
      },
    );
    await monitor.publishAsync(marker, '', { qos: 1, retain: true });
    const refused = await rejectionOf(
      monitor.publishAsync(telemetryTopic('sv-000000'), 'monitor-spoof', { qos: 1 }),
    );
    expect(refused.code).toBe(135);
  });
});
