import { TextDecoder } from 'node:util';
import { MAX_PAYLOAD_BYTES, TelemetryV1, telemetryV1Schema } from './telemetry.schema';
import { TelemetryParseError } from './telemetry-parse.error';
import { fastTelemetryV1 } from './telemetry-fast';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Serialises a telemetry message; throws when it would exceed the size cap. */
export function encodeTelemetry(message: TelemetryV1): Buffer {
  const payload = Buffer.from(JSON.stringify(message), 'utf8');
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new TelemetryParseError(
      'TOO_LARGE',
      `payload is ${payload.length} bytes, the cap is ${MAX_PAYLOAD_BYTES}`,
    );
  }
  return payload;
}

/**
 * Parses and validates a raw MQTT payload.
 * @throws TelemetryParseError with a code naming what was wrong.
 */
export function decodeTelemetry(payload: Uint8Array): TelemetryV1 {
  if (payload.length === 0) {
    throw new TelemetryParseError('EMPTY', 'payload is empty');
  }
  if (payload.length > MAX_PAYLOAD_BYTES) {
    throw new TelemetryParseError(
      'TOO_LARGE',
      `payload is ${payload.length} bytes, the cap is ${MAX_PAYLOAD_BYTES}`,
    );
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    throw new TelemetryParseError('NOT_UTF8', 'payload is not valid UTF-8');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TelemetryParseError('NOT_JSON', `payload is not JSON: ${(err as Error).message}`);
  }
  const fast = fastTelemetryV1(json);
  if (fast) {
    return fast;
  }
  const result = telemetryV1Schema.safeParse(json);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => issue.path.join('.') || '(root)');
    const detail = result.error.issues
      .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
      .join('; ');
    throw new TelemetryParseError('INVALID', `payload is not telemetry v1: ${detail}`, fields);
  }
  return result.data;
}
