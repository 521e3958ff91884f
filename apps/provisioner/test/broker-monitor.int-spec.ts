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
  rejectionOf,
  SecureBroker,
  startSecureBroker,
} from './support/secure-broker';

const NOT_AUTHORIZED = 135; // MQTT 5 reason code 0x87
const DEADLINE_MS = 15_000;

describe("the coordinator's monitor identity on the secure broker (real Mosquitto, dynsec)", () => {
  let b: SecureBroker;
  let monitor: MqttClient;
  const received: { topic: string; payload: string; retain: boolean }[] = [];
  const open: MqttClient[] = [];

  beforeAll(async () => {
    b = await startSecureBroker('dynsec', 2);
    // A fresh client id, as the probe uses: the identity is bound to none.
    monitor = await connectOnce(b.broker.url, {
      clientId: `sim-coordinator-sys-${process.pid}-${Date.now()}`,
      username: b.monitorUser,
      password: b.monitorPassword,
      protocolVersion: 5,
    });
    open.push(monitor);
    monitor.on('message', (topic, payload, packet) =>
      received.push({ topic, payload: payload.toString(), retain: packet.retain }),
    );
  });

  afterAll(async () => {
    await Promise.allSettled(open.map((c) => c.endAsync()));
    await b?.stop();
  });

  const grantOf = async (filter: string): Promise<number | undefined> => {
    try {
      const granted = await monitor.subscribeAsync(filter, { qos: 0 });
      return granted[0]?.qos;
    } catch (err) {
      return (err as { packet?: { granted?: number[] } }).packet?.granted?.[0];
    }
  };

  it('is the provisioner default sim-coordinator, and reads $SYS/broker/uptime', async () => {
    expect(b.monitorUser).toBe('sim-coordinator');
    // A single $SYS topic, as the probe subscribes: granted by the pattern grant of $SYS/#.
    expect(await grantOf('$SYS/broker/uptime')).toBe(0);
    await waitFor(
      '$SYS/broker/uptime',
      () =>
        received.some((m) => m.topic === '$SYS/broker/uptime' && /^\d+ seconds$/.test(m.payload)),
      { timeoutMs: DEADLINE_MS },
    );
    expect(await grantOf('$SYS/#')).toBe(0);
  });

  it('publishes its retained markers, reads them back and clears them', async () => {
    const marker = `sim-coordinator/sys-probe/${process.pid}/0`;
    expect(await grantOf('sim-coordinator/sys-probe/#')).toBe(0);
    await monitor.publishAsync(marker, 'marker-1', { qos: 1, retain: true });
    await waitFor('marker', () => received.some((m) => m.topic === marker), {
      timeoutMs: DEADLINE_MS,
    });
    await monitor.publishAsync(marker, '', { qos: 1, retain: true });
    await monitor.unsubscribeAsync('sim-coordinator/sys-probe/#');
  });

  it('cannot publish telemetry, control or to $CONTROL', async () => {
    for (const topic of [
      telemetryTopic('sv-000000'),
      controlTopic('sv-000001'),
      '$CONTROL/dynamic-security/v1',
      'sim-coordinator/other',
    ]) {
      const refused = await rejectionOf(monitor.publishAsync(topic, 'x', { qos: 1 }));
      expect({ topic, code: refused.code }).toEqual({ topic, code: NOT_AUTHORIZED });
    }
  });

  it("cannot take the gateways' shared subscription or any device topic", async () => {
    for (const filter of [
      GATEWAY_SHARED_SUBSCRIPTION,
      'sousvide/+/telemetry',
      controlTopic('sv-000000'),
      '#',
      '$CONTROL/#',
    ]) {
      expect({ filter, granted: await grantOf(filter) }).toEqual({
        filter,
        granted: NOT_AUTHORIZED,
      });
    }
  });

  it("refuses a device under a probe's client id (devices are bound to their own ids)", async () => {
    const refused = await rejectionOf(
      connectOnce(b.broker.url, {
        ...deviceLogin(b, 'sv-000000'),
        clientId: `sim-coordinator-sys-${process.pid}-1`,
      }),
    );
    expect(refused.code).toBe(5);
  });
});
