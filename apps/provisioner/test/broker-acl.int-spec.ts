import { MqttClient } from 'mqtt';
import { waitFor } from '@sousvide/testing';
import {
  controlTopic,
  GATEWAY_SHARED_SUBSCRIPTION,
  telemetryTopic,
} from '@sousvide/telemetry-schema';
import {
  connectOnce,
  deviceLogin,
  gatewayLogin,
  rejectionOf,
  SecureBroker,
  startSecureBroker,
} from './support/secure-broker';

const NOT_AUTHORIZED = 135; // MQTT 5 reason code 0x87
const DEADLINE_MS = 10_000;

describe('secure broker with dynsec identities (real Mosquitto, docker/mosquitto/secure.conf)', () => {
  let b: SecureBroker;
  let gateway: MqttClient;
  const atGateway: { topic: string; payload: string }[] = [];
  const open: MqttClient[] = [];

  beforeAll(async () => {
    b = await startSecureBroker('dynsec', 3);
    gateway = await connectOnce(b.broker.url, gatewayLogin(b, 'gw-acl-0'));
    open.push(gateway);
    gateway.on('message', (topic, payload) =>
      atGateway.push({ topic, payload: payload.toString() }),
    );
    await gateway.subscribeAsync(GATEWAY_SHARED_SUBSCRIPTION, { qos: 1 });
  });

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.endAsync()));
    await b?.stop();
  });

  const device = async (id: string, protocolVersion: 4 | 5 = 5): Promise<MqttClient> => {
    const client = await connectOnce(b.broker.url, { ...deviceLogin(b, id), protocolVersion });
    open.push(client);
    return client;
  };
  const atGatewayWith = (payload: string) => atGateway.filter((m) => m.payload === payload);
  let seq = 0;
  /**
   * Publishes a marker on the device's own topic and waits for the gateway to get it: whatever
   * the device sent before has then been routed, so "not at the gateway" means never delivered.
   */
  const fence = async (client: MqttClient, deviceId: string): Promise<void> => {
    const marker = `fence-${(seq += 1)}`;
    await client.publishAsync(telemetryTopic(deviceId), marker, { qos: 1 });
    await waitFor(`marker ${marker}`, () => atGatewayWith(marker).length === 1, {
      timeoutMs: DEADLINE_MS,
    });
  };

  it('refuses anonymous clients and wrong passwords at CONNECT', async () => {
    const anonymous = await rejectionOf(connectOnce(b.broker.url, { clientId: 'anon' }));
    expect(anonymous.code).toBe(5); // MQTT 3.1.1: "not authorized"
    const wrong = await rejectionOf(
      connectOnce(b.broker.url, { ...deviceLogin(b, 'sv-000001'), password: 'guess' }),
    );
    expect(wrong.code).toBe(5);
    const unknown = await rejectionOf(
      connectOnce(b.broker.url, { ...deviceLogin(b, 'sv-000001'), username: 'sv-999999' }),
    );
    expect(unknown.code).toBe(5);
  });

  it("delivers a device's own telemetry to the gateway's shared subscription", async () => {
    const d = await device('sv-000000');
    await d.publishAsync(telemetryTopic('sv-000000'), 'own-telemetry', { qos: 1 });
    await waitFor('own telemetry', () => atGatewayWith('own-telemetry').length === 1, {
      timeoutMs: DEADLINE_MS,
    });
    expect(atGatewayWith('own-telemetry')[0].topic).toBe('sousvide/sv-000000/telemetry');
  });

  it("refuses a device publishing another device's telemetry (PUBACK 0x87), never delivered", async () => {
    const d = await device('sv-000000');
    const refused = await rejectionOf(
      d.publishAsync(telemetryTopic('sv-000001'), 'spoofed-telemetry', { qos: 1 }),
    );
    expect(refused.code).toBe(NOT_AUTHORIZED);
    await fence(d, 'sv-000000');
    expect(atGatewayWith('spoofed-telemetry')).toEqual([]);
  });

  it('refuses any control publish by a device, its own topic or another one', async () => {
    const target = await device('sv-000001');
    const commands: string[] = [];
    target.on('message', (_t, payload) => commands.push(payload.toString()));
    await target.subscribeAsync(controlTopic('sv-000001'), { qos: 1 });
    const attacker = await device('sv-000000');
    for (const topic of [controlTopic('sv-000001'), controlTopic('sv-000000')]) {
      const refused = await rejectionOf(attacker.publishAsync(topic, 'heater-on', { qos: 1 }));
      expect(refused.code).toBe(NOT_AUTHORIZED);
    }
    // The gateway's command goes through the same broker after the refused ones.
    await gateway.publishAsync(controlTopic('sv-000001'), 'failsafe-off', { qos: 1 });
    await waitFor('gateway command', () => commands.includes('failsafe-off'), {
      timeoutMs: DEADLINE_MS,
    });
    expect(commands).toEqual(['failsafe-off']);
  });

  it("refuses a device's join of the gateways' shared subscription and any foreign subscription", async () => {
    const d = await device('sv-000002');
    for (const filter of [
      GATEWAY_SHARED_SUBSCRIPTION,
      '$share/other/sousvide/+/telemetry',
      'sousvide/+/telemetry',
      controlTopic('sv-000001'),
      '#',
      '$SYS/#',
    ]) {
      const refused = await rejectionOf(d.subscribeAsync(filter, { qos: 1 }));
      expect({
        filter,
        granted: (refused as { packet?: { granted?: number[] } }).packet?.granted,
      }).toEqual({
        filter,
        granted: [NOT_AUTHORIZED],
      });
    }
    // Still the only member of the group: every message reaches the gateway.
    const sent = Array.from({ length: 10 }, (_, i) => `after-join-attempt-${i}`);
    for (const payload of sent) {
      await d.publishAsync(telemetryTopic('sv-000002'), payload, { qos: 1 });
    }
    await waitFor('all 10 at the gateway', () => sent.every((p) => atGatewayWith(p).length === 1), {
      timeoutMs: DEADLINE_MS,
    });
  });

  it("refuses a device under another device's client id, so it cannot take over that session", async () => {
    const refused = await rejectionOf(
      connectOnce(b.broker.url, { ...deviceLogin(b, 'sv-000000'), clientId: 'sv-000001' }),
    );
    expect(refused.code).toBe(5);
    const asGateway = await rejectionOf(
      connectOnce(b.broker.url, { ...deviceLogin(b, 'sv-000000'), clientId: 'gw-acl-0' }),
    );
    expect(asGateway.code).toBe(5);
  });

  it('refuses the gateway publishing telemetry and everyone publishing to $CONTROL', async () => {
    const spoof = await rejectionOf(
      gateway.publishAsync(telemetryTopic('sv-000000'), 'gateway-as-device', { qos: 1 }),
    );
    expect(spoof.code).toBe(NOT_AUTHORIZED);
    const d = await device('sv-000000');
    const admin = '{"commands":[{"command":"createClient","username":"evil","password":"x"}]}';
    for (const client of [gateway, d]) {
      const refused = await rejectionOf(
        client.publishAsync('$CONTROL/dynamic-security/v1', admin, { qos: 1 }),
      );
      expect(refused.code).toBe(NOT_AUTHORIZED);
    }
    const evil = await rejectionOf(
      connectOnce(b.broker.url, { clientId: 'evil', username: 'evil', password: 'x' }),
    );
    expect(evil.code).toBe(5);
  });

  it('MQTT 3.1.1 (the simulator today): a spoofed publish is acknowledged but never delivered', async () => {
    const d = await device('sv-000000', 4);
    // 3.1.1 has no PUBACK reason codes: the broker acknowledges and drops it.
    await d.publishAsync(telemetryTopic('sv-000001'), 'spoofed-v311', { qos: 1 });
    await fence(d, 'sv-000000');
    expect(atGatewayWith('spoofed-v311')).toEqual([]);
  });
});
