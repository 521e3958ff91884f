import type { DeliveredParse } from '../parse/delivery-parser';

/** A message as the broker delivered it, before parsing. */
export interface RawMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
  /** Set at intake by the parse step ({@link DeliveryParser}), so the batch does not parse again. */
  parsed?: DeliveredParse;
}
