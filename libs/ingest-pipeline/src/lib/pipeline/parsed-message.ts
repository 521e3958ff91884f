import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { RawMessage } from './raw-message';

/** A delivered message that parsed, with the run it counts against. */
export interface ParsedMessage {
  raw: RawMessage;
  msg: TelemetryV1;
  runId: string;
}
