import { decodeTelemetry } from './telemetry.codec';
import { TelemetryParseError } from './telemetry-parse.error';
import type { TelemetryV1 } from './telemetry.schema';
import { telemetryDeviceOf } from './topics';

/** How far a reading's `ts` may lie from the moment it was received, in ms. */
export interface TsWindow {
  /** Older readings are refused (default 24 h: older data is a replay's job, not a device's). */
  maxAgeMs: number;
  /** Readings further ahead are refused (default 5 min of clock skew). */
  maxAheadMs: number;
}

export const DEFAULT_TS_WINDOW: TsWindow = { maxAgeMs: 24 * 3600_000, maxAheadMs: 5 * 60_000 };

/**
 * Decodes a payload as it was delivered: on `topic`, at `receivedAt` (epoch ms). Beyond
 * {@link decodeTelemetry}, a device may only speak for itself (the payload's `deviceId` must be
 * the topic's: otherwise any client could raise another device's fail-safe or move its
 * heartbeat), and `ts` must lie within `window` of the receipt (a far-future `ts` would pin the
 * device's heartbeat, which only moves forward).
 * @throws TelemetryParseError with a code naming what was wrong.
 */
export function decodeDelivered(
  topic: string,
  payload: Uint8Array,
  receivedAt: number,
  window: TsWindow = DEFAULT_TS_WINDOW,
): TelemetryV1 {
  const topicDevice = telemetryDeviceOf(topic);
  if (topicDevice === undefined) {
    throw new TelemetryParseError(
      'BAD_TOPIC',
      `topic "${topic}" is not sousvide/{deviceId}/telemetry`,
    );
  }
  const msg = decodeTelemetry(payload);
  if (msg.deviceId !== topicDevice) {
    throw new TelemetryParseError(
      'DEVICE_MISMATCH',
      `payload deviceId "${msg.deviceId}" is not the topic's device "${topicDevice}"`,
    );
  }
  const ageMs = receivedAt - msg.ts;
  if (ageMs > window.maxAgeMs || -ageMs > window.maxAheadMs) {
    throw new TelemetryParseError(
      'TS_OUT_OF_WINDOW',
      `ts ${msg.ts} is ${ageMs >= 0 ? `${ageMs} ms before` : `${-ageMs} ms after`} its receipt; ` +
        `accepted: ${window.maxAgeMs} ms before to ${window.maxAheadMs} ms after`,
    );
  }
  return msg;
}
