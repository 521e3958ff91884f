import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { startMosquitto, waitFor, type MqttService } from '@sousvide/testing';
import { ROOT } from './gateway-process';

/**
 * The compose broker's own configuration (docker/mosquitto.conf) bounds packet size: a 4 KiB
 * telemetry payload passes (the gateway's own cap then applies), a larger packet never reaches
 * a subscriber and its sender is disconnected.
 */
describe('broker packet size (docker/mosquitto.conf)', () => {
  let broker: MqttService;
  let dir: string;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'failsafe-broker-'));
    // The compose volume's path does not exist in a throwaway container: persist to /tmp instead.
    const conf = readFileSync(join(ROOT, 'docker/mosquitto.conf'), 'utf8').replace(
      /^persistence_location .*$/m,
      'persistence_location /tmp/',
    );
    writeFileSync(join(dir, 'mosquitto.conf'), conf);
    broker = await startMosquitto({ config: { file: join(dir, 'mosquitto.conf') } });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // MQTT 3.1.1 clients: MQTT.js enforces an MQTT 5 broker's maximum itself, before sending.
  const connect = async (id: string): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(broker.url, {
      clientId: `${id}-${Date.now()}`,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };

  it('passes a 4 KiB payload and refuses a packet over 8 KiB, disconnecting its sender', async () => {
    const sub = await connect('pk-sub');
    const sizes: number[] = [];
    sub.on('message', (_t, payload) => sizes.push(payload.length));
    await sub.subscribeAsync('sousvide/+/telemetry', { qos: 1 });

    const ok = await connect('pk-ok');
    await ok.publishAsync('sousvide/sv-pk/telemetry', Buffer.alloc(4096, 0x61), { qos: 1 });
    await waitFor('the 4 KiB message', () => sizes.includes(4096));

    const big = await connect('pk-big');
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    void big
      .publishAsync('sousvide/sv-pk/telemetry', Buffer.alloc(9000, 0x62), { qos: 1 })
      .catch(() => undefined);
    await closed;

    // Published after the refused one: once it is here, the refused one would have been too.
    await ok.publishAsync('sousvide/sv-pk/telemetry', Buffer.from('marker'), { qos: 1 });
    await waitFor('the marker', () => sizes.includes(6));
    expect(sizes).toEqual([4096, 6]);
  });
});
