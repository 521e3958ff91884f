import mqtt from 'mqtt';
import { DeviceSequences, RunCounters } from '@sousvide/run-accounting';
import { waitFor } from '@sousvide/testing';
import { startGateway } from './gateway-process';
import { useIngestStack } from './ingest-stack';

/**
 * Per-device accounting end to end (ADR 0020): a real gateway between a real broker and Redis,
 * fed messages with deliberate gaps, copies and reordering; the per-device summary the
 * coordinator writes into business-summary.json names exactly those devices.
 */
describe('per-device accounting through a real gateway', () => {
  const stack = useIngestStack();

  it('names the devices that lost, duplicated or reordered messages, and no other', async () => {
    // One connection and one batch at a time: the order the gateway sees is the publish order.
    stack.gateways.push(
      await startGateway({
        ...stack.baseEnv,
        GATEWAY_ID: 'gw-devices',
        INGEST_MQTT_CONNECTIONS: '1',
        INGEST_BATCH_CONCURRENCY: '1',
      }),
    );
    const runId = `dev-acc-${Date.now()}`;
    const base = Date.now() - 30_000;
    const sends: [string, number][] = [
      ...[0, 1, 2, 3, 4, 5].map((seq): [string, number] => ['clean', seq]),
      // 2 and 3 dropped on purpose.
      ...[0, 1, 4, 5].map((seq): [string, number] => ['lossy', seq]),
      // 2 sent twice (a device resending the same reading): a copy, stored once.
      ...[0, 1, 2, 2, 3].map((seq): [string, number] => ['twice', seq]),
      // 2 overtaken by 3.
      ...[0, 1, 3, 2, 4].map((seq): [string, number] => ['late', seq]),
    ];
    const pub = await mqtt.connectAsync(stack.broker.url, { clientId: `pub-${runId}` });
    for (const [name, seq] of sends) {
      const deviceId = `sv-${runId}-${name}`;
      const payload = {
        ...{ v: 1, deviceId, seq, ts: base + seq * 100, runId },
        ...{ tempC: 55, targetC: 57, heaterOn: true, pumpOn: true, waterLevel: 0.8 },
        state: 'cooking',
      };
      await pub.publishAsync(`sousvide/${deviceId}/telemetry`, JSON.stringify(payload), {
        qos: 1,
      });
    }
    await pub.endAsync();
    const counters = new RunCounters(stack.client);
    await waitFor('every copy counted', async () => {
      const c = (await counters.read(runId)).counts;
      return c.recv_total + c.duplicate_total >= sends.length;
    });

    const s = await new DeviceSequences(stack.client).summary(runId);

    const id = (name: string): string => `sv-${runId}-${name}`;
    expect(s).toMatchObject({
      devices_seen: 4,
      devices_with_gaps: 1,
      devices_with_duplicates: 1,
      devices_reordered: 1,
      gaps_total: 2,
      duplicates_total: 1,
      reordered_total: 1,
    });
    expect(s.worst).toEqual({
      gaps: [{ deviceId: id('lossy'), count: 2 }],
      duplicates: [{ deviceId: id('twice'), count: 1 }],
      reordered: [{ deviceId: id('late'), count: 1 }],
    });
  });
});
