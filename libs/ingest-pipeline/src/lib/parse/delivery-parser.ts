import {
  decodeDelivered,
  DEFAULT_TS_WINDOW,
  TelemetryParseError,
  type TelemetryV1,
  type TsWindow,
} from '@sousvide/telemetry-schema';
import type { RawMessage } from '../pipeline/raw-message';

/** A delivered message parsed: the reading, or why it was refused. */
export type DeliveredParse =
  | { ok: true; msg: TelemetryV1 }
  | { ok: false; error: TelemetryParseError };

/**
 * The parse step's rules in one place (payload size, schema, device = topic's device, `ts`
 * within the window of its receipt, ADR 0016). A message is parsed once, at intake, where the
 * fail-safe judges it; the outcome stays on the message for its batch.
 */
export class DeliveryParser {
  constructor(private readonly window: TsWindow = DEFAULT_TS_WINDOW) {}

  parse(raw: RawMessage): DeliveredParse {
    raw.parsed ??= this.decode(raw);
    return raw.parsed;
  }

  private decode(raw: RawMessage): DeliveredParse {
    try {
      return {
        ok: true,
        msg: decodeDelivered(raw.topic, raw.payload, raw.receivedAt, this.window),
      };
    } catch (err) {
      const error =
        err instanceof TelemetryParseError ? err : new TelemetryParseError('INVALID', String(err));
      return { ok: false, error };
    }
  }
}
