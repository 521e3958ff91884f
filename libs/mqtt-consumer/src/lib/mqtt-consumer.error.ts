/**
 * Stable codes of {@link MqttConsumerError}: callers branch on these, never on the message.
 * - `BAD_URL`: the broker URL cannot be used (scheme, host, port).
 * - `BAD_OPTIONS`: an option is out of range (names the option).
 * - `UNREACHABLE`: no CONNACK and SUBACK within the first-connect deadline.
 * - `REFUSED`: the broker answered CONNACK or SUBACK with a failure reason code.
 * - `CONNECTION_LOST`: an established connection ended (socket error, keepalive, DISCONNECT).
 * - `NOT_CONNECTED`: a publish or subscribe was asked for while no connection is up.
 * - `TIMEOUT`: an acknowledgement (PUBACK, UNSUBACK) did not come in time.
 * - `PUBLISH_REJECTED`: the broker answered a PUBLISH with a failure reason code, or it is too big.
 * - `PROTOCOL`: the broker sent something MQTT 5 forbids (a malformed packet, QoS 2 on a QoS 1
 *   subscription).
 * - `CLOSED`: the consumer was closed or aborted.
 */
export type MqttConsumerErrorCode =
  | 'BAD_URL'
  | 'BAD_OPTIONS'
  | 'UNREACHABLE'
  | 'REFUSED'
  | 'CONNECTION_LOST'
  | 'NOT_CONNECTED'
  | 'TIMEOUT'
  | 'PUBLISH_REJECTED'
  | 'PROTOCOL'
  | 'CLOSED';

/** Every failure of the consumer: a stable `code` and a message a person can act on. */
export class MqttConsumerError extends Error {
  override readonly name = 'MqttConsumerError';

  /** The MQTT 5 reason code the broker gave, for `REFUSED` and `PUBLISH_REJECTED`. */
  readonly reasonCode: number | undefined;

  constructor(
    readonly code: MqttConsumerErrorCode,
    message: string,
    options?: { cause?: unknown; reasonCode?: number },
  ) {
    super(message, options);
    this.reasonCode = options?.reasonCode;
  }
}
