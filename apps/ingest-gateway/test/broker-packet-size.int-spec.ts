import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { devicePassword } from '@sousvide/security';
import { startSecureBroker, waitFor, type SecureBroker } from '@sousvide/testing';
import { ROOT } from './gateway-process';

/**
 * The compose broker's own configuration (docker/mosquitto.conf, with the provisioned identities
 * and certificates it mounts) bounds packet size: a 4 KiB telemetry payload passes (the gateway's
 * own cap then applies), a larger packet never reaches a subscriber and its sender is
 * disconnected.
 */
describe('broker packet size (docker/mosquitto.conf)', () => {
  let secure: SecureBroker;
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
    secure = await startSecureBroker({
      format: 'dynsec',
      devices: 2,
      configFile: join(dir, 'mosquitto.conf'),
      tlsPorts: [8883],
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await secure?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  // The broker admits no anonymous client: devices log in as themselves, the subscriber as the
  // gateway identity (the only one that may read every device's telemetry).
  const asDevice = (id: string): IClientOptions => ({
    clientId: id,
    username: id,
    password: devicePassword(secure.fleetSecret, id),
  });
  const asGateway = (): IClientOptions => ({
    clientId: `pk-sub-${Date.now()}`,
    username: 'ingest-gateway',
    password: secure.gatewayPassword,
  });
  // MQTT 3.1.1 clients: MQTT.js enforces an MQTT 5 broker's maximum itself, before sending.
  const connect = async (login: IClientOptions): Promise<MqttClient> => {
    const c = await mqtt.connectAsync(secure.broker.url, {
      ...login,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };

  it('passes a 4 KiB payload and refuses a packet over 8 KiB, disconnecting its sender', async () => {
    const sub = await connect(asGateway());
    const sizes: number[] = [];
    sub.on('message', (_t, payload) => sizes.push(payload.length));
    await sub.subscribeAsync('sousvide/+/telemetry', { qos: 1 });

    const ok = await connect(asDevice('sv-000000'));
    await ok.publishAsync('sousvide/sv-000000/telemetry', Buffer.alloc(4096, 0x61), { qos: 1 });
    await waitFor('the 4 KiB message', () => sizes.includes(4096));

    const big = await connect(asDevice('sv-000001'));
    const closed = new Promise<void>((resolve) => big.once('close', () => resolve()));
    void big
      .publishAsync('sousvide/sv-000001/telemetry', Buffer.alloc(9000, 0x62), { qos: 1 })
      .catch(() => undefined);
    await closed;

    // Published after the refused one: once it is here, the refused one would have been too.
    await ok.publishAsync('sousvide/sv-000000/telemetry', Buffer.from('marker'), { qos: 1 });
    await waitFor('the marker', () => sizes.includes(6));
    expect(sizes).toEqual([4096, 6]);
  });
});
