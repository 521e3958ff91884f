import type { MqttClient } from 'mqtt';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';

/**
 * Distinct timestamps per message: the store keeps one point per series and millisecond (as
 * Influx does), so two readings of a device in the same millisecond would read back as one.
 */
const BASE_TS = Date.now() - 60_000;

/** A healthy cooker reading (20 devices per run); override what a test is about. */
export function cookerTelemetry(
  runId: string,
  seq: number,
  overrides: Partial<TelemetryV1> = {},
): TelemetryV1 {
  return {
    v: 1,
    deviceId: `sv-${runId}-${seq % 20}`,
    seq,
    ts: BASE_TS + seq * 10,
    runId,
    tempC: 55,
    targetC: 56,
    heaterOn: true,
    pumpOn: true,
    waterLevel: 0.8,
    state: 'cooking',
    ...overrides,
  };
}

/** Publishes each message at QoS 1 on its device's telemetry topic, in order. */
export async function publishTelemetry(client: MqttClient, messages: TelemetryV1[]): Promise<void> {
  for (const m of messages) {
    await client.publishAsync(`sousvide/${m.deviceId}/telemetry`, JSON.stringify(m), { qos: 1 });
  }
}
