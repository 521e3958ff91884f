import { join } from 'node:path';
import { CLIENT_MODELS, type ClientModel, type PartitionSpec } from '@sousvide/loadtest-contracts';
import { generateSecret, loadTlsClientOptions } from '@sousvide/security';
import {
  countAsGateway,
  type MessageCounter,
  pollUntil,
  type SecureBroker,
  startSecureBroker,
} from '@sousvide/testing';
import { runPartition, testPartition } from './support/partition';

/**
 * Both client models against the real authenticated broker (docker/mosquitto/secure.conf with
 * dynamic security, identities from provisionFleet): each device logs in as itself with the
 * password derived from the fleet secret; a wrong secret is refused at CONNACK and says why.
 */
const DEVICES = 20;
/**
 * Each run lasts its whole window, also when every device was refused (the sends are counted as
 * failed): 1 s at 4 msg/s schedules as many messages per device as 2 s at 2 msg/s did.
 */
const DURATION_SEC = 1;
const MPS = 4;

/**
 * Runs `partition` with the gateway identity subscribed to every device's telemetry, and returns
 * what it received once it has all the run published (or the deadline passed): a PUBACK alone
 * does not show a publish got through, since the broker acknowledges one its ACL drops.
 */
async function receivedByGateway<T extends { published: number }>(
  b: SecureBroker,
  partition: () => Promise<{ result: T }>,
): Promise<{ result: T; received: number }> {
  const gateway: MessageCounter = countAsGateway(b, 'sousvide/+/telemetry');
  try {
    await gateway.ready;
    const { result } = await partition();
    const received = await pollUntil(
      () => gateway.count(),
      (n) => n >= result.published,
    );
    return { result, received };
  } finally {
    await gateway.stop();
  }
}

const spec = (model: ClientModel, brokerUrl: string, deviceOffset: number): PartitionSpec =>
  testPartition(model, brokerUrl, {
    connections: DEVICES,
    deviceOffset,
    connectParallelism: 10,
    mps: MPS,
    durationSec: DURATION_SEC,
  });

describe('device identities against the secure broker (real Mosquitto, dynamic security)', () => {
  let b: SecureBroker;

  beforeAll(async () => {
    // Two ranges of DEVICES per model: plain and TLS runs never share a client id.
    b = await startSecureBroker({ format: 'dynsec', devices: 4 * DEVICES });
  });

  afterAll(async () => {
    await b?.stop();
  });

  describe.each(CLIENT_MODELS)('%s model', (model) => {
    const offset = CLIENT_MODELS.indexOf(model) * 2 * DEVICES;

    it('publishes everything at QoS 1 with per-device credentials from the fleet secret', async () => {
      const { result, received } = await receivedByGateway(b, () =>
        runPartition(spec(model, b.broker.url, offset), { fleetSecret: b.fleetSecret }),
      );
      expect(result).toMatchObject({ connected: DEVICES, connectFailed: 0, failed: 0 });
      expect(result.scheduled).toBe(DEVICES * MPS * DURATION_SEC);
      expect(result.published).toBe(result.scheduled);
      expect(received).toBe(result.scheduled);
      expect(result.connectRejections).toBeUndefined();
    });

    it('fails fast as connack_rejected, naming the reason, with a wrong fleet secret', async () => {
      const { result, log } = await runPartition(spec(model, b.broker.url, offset), {
        fleetSecret: generateSecret(),
      });
      expect(result.connected).toBe(0);
      expect(result.connectFailures.connack_rejected).toBe(DEVICES);
      expect(result.publishFailures.connack_rejected).toBe(result.scheduled);
      const reasons = Object.keys(result.connectRejections ?? {});
      expect(reasons).toEqual([
        expect.stringMatching(/^connack rejected: not authorized \(5\): check the fleet secret/),
      ]);
      expect(result.connectRejections?.[reasons[0]]).toBe(DEVICES);
      // The part log names the first refused device (whichever CONNACK came first) and the reason.
      expect(log.filter((line) => /^device sv-\d{6}: connack rejected/.test(line))).toEqual([
        expect.stringContaining(reasons[0]),
      ]);
    });

    it('publishes everything over TLS (8883) trusting the stack CA', async () => {
      const url = `mqtts://${b.broker.host}:${b.broker.mappedPort(8883)}`;
      const { result, received } = await receivedByGateway(b, () =>
        runPartition(spec(model, url, offset + DEVICES), {
          fleetSecret: b.fleetSecret,
          tls: loadTlsClientOptions({ caFile: join(b.certs.good, 'ca.crt') }),
        }),
      );
      expect(result).toMatchObject({ connected: DEVICES, connectFailed: 0, failed: 0 });
      expect(result.published).toBe(DEVICES * MPS * DURATION_SEC);
      expect(received).toBe(result.published);
    });
  });

  it('fails the devices at once, naming the TLS error, when the server certificate is not trusted', async () => {
    const url = `mqtts://${b.broker.host}:${b.broker.mappedPort(8883)}`;
    const { result, log } = await runPartition(spec('lean', url, 0), {
      fleetSecret: b.fleetSecret,
      tls: loadTlsClientOptions({ caFile: join(b.certs.rogue, 'ca.crt') }),
    });
    expect(result.connected).toBe(0);
    expect(result.connectFailures.other).toBe(DEVICES);
    expect(log).toContainEqual(
      expect.stringMatching(/^device sv-\d{6}: connect failed \(other\): self-signed certificate/),
    );
  });

  it('keeps anonymous agents anonymous: the secure broker refuses them as not authorized', async () => {
    const { result } = await runPartition(spec('lean', b.broker.url, 0), {});
    expect(result.connectFailures.connack_rejected).toBe(DEVICES);
    expect(Object.keys(result.connectRejections ?? {})).toEqual([
      expect.stringContaining('not authorized (5)'),
    ]);
  });
});
