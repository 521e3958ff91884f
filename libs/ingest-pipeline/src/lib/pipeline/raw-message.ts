import type { DeliveredParse } from '../parse/delivery-parser';

/** The broker's hold on a QoS 1 delivery (see @sousvide/mqtt-consumer's AckHandle). */
export interface BrokerAck {
  /** The message is durable: the broker may forget it. */
  ack(): void;
  /** Given up unfinished: never acknowledged, so the broker delivers it again. */
  release(): void;
}

/** A message as the broker delivered it, before parsing. */
export interface RawMessage {
  topic: string;
  payload: Buffer;
  receivedAt: number;
  /** Absent for QoS 0 (nothing to acknowledge) and for messages that come from elsewhere. */
  ack?: BrokerAck;
  /** Set at intake by the parse step ({@link DeliveryParser}), so the batch does not parse again. */
  parsed?: DeliveredParse;
}
