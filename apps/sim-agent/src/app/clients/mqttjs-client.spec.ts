import { afterEach, describe, expect, it, jest } from '@jest/globals';
import { classifyError, isPermanentRefusal } from '@sousvide/loadtest-contracts';
import { startFakeBroker, type Behaviour, type FakeBroker } from './fake-broker.testing';
import { MqttJsClient } from './mqttjs-client';

// Real sockets: more than jest's 5 s on a busy machine.
jest.setTimeout(30_000);

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function startBroker(behaviour: Behaviour): Promise<FakeBroker> {
  const broker = await startFakeBroker(behaviour);
  cleanups.push(() => broker.close());
  return broker;
}

function makeClient(port: number): MqttJsClient {
  const client = new MqttJsClient({
    host: '127.0.0.1',
    port,
    clientId: 'dev-1',
    keepaliveSec: 30,
    connectTimeoutMs: 1000,
    controlTopic: 'devices/dev-1/control',
    telemetryTopic: 'devices/dev-1/telemetry',
    onDisconnect: () => undefined,
    onControl: () => undefined,
  });
  cleanups.push(() => client.end());
  return client;
}

describe('MqttJsClient refused CONNACK', () => {
  it('rejects CONNACK 5 (not authorized) as a permanent refusal', async () => {
    const broker = await startBroker({ connackRc: 5 });
    const err = await makeClient(broker.port)
      .connect()
      .catch((e: unknown) => e);

    expect(err).toMatchObject({ code: 'CONNACK_REJECTED', returnCode: 5 });
    expect(classifyError(err)).toBe('connack_rejected');
    expect(isPermanentRefusal(err)).toBe(true);
  });

  it('rejects CONNACK 3 (server unavailable) as temporary, and connects on a later try', async () => {
    const behaviour: Behaviour = { connackRc: 3 };
    const broker = await startBroker(behaviour);
    const client = makeClient(broker.port);

    const err = await client.connect().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CONNACK_REJECTED', returnCode: 3 });
    expect(classifyError(err)).toBe('connack_rejected');
    expect(isPermanentRefusal(err)).toBe(false);

    behaviour.connackRc = 0; // the broker is back
    await client.connect();
    expect(client.connected).toBe(true);
  });
});
