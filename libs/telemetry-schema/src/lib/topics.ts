/** MQTT topic names (docs/architecture.md section 3). */
export const TOPIC_ROOT = 'sousvide';

/** Device -> backend telemetry topic. */
export function telemetryTopic(deviceId: string): string {
  return `${TOPIC_ROOT}/${deviceId}/telemetry`;
}

/** Backend -> device control topic (fail-safe, setpoint), QoS 1. */
export function controlTopic(deviceId: string): string {
  return `${TOPIC_ROOT}/${deviceId}/control`;
}

/** Filter matching every device's telemetry. */
export const TELEMETRY_TOPIC_FILTER = `${TOPIC_ROOT}/+/telemetry`;

/** MQTT 5 shared subscription the ingest gateways use, so messages are split among them. */
export const GATEWAY_SHARED_SUBSCRIPTION = `$share/ingest/${TELEMETRY_TOPIC_FILTER}`;

/** The device id of a telemetry or control topic, or undefined for any other topic. */
export function deviceIdFromTopic(topic: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== TOPIC_ROOT || parts[1] === '') {
    return undefined;
  }
  return parts[2] === 'telemetry' || parts[2] === 'control' ? parts[1] : undefined;
}
