/**
 * The application's hold on one QoS 1 delivery. Settle it exactly once: `ack()` once the message
 * is durable (stored, dead-lettered or spooled), `release()` when it will not be (shutdown). Both
 * are no-ops after the first call and on a handle whose connection is gone (counted as stale:
 * the broker redelivers that message on the resumed session).
 */
export interface AckHandle {
  /** The PUBACK goes out once every earlier delivery of the connection is acked too. */
  ack(): void;
  /**
   * Never acked on this connection: the broker redelivers it after a reconnect. MQTT orders
   * PUBACKs, so later deliveries of the connection cannot be acked past it either; meant for
   * shutdown paths.
   */
  release(): void;
}

/** One PUBLISH the broker delivered. */
export interface Delivery {
  topic: string;
  /** May share memory with the socket read it came in (never reused); copy it to hold it long. */
  payload: Buffer;
  /** Epoch ms of the socket read that carried it (the same for every delivery of a batch). */
  receivedAt: number;
  /** Set by the broker on a redelivery (resumed session). */
  dup: boolean;
  qos: 0 | 1;
  /** Present for QoS 1; QoS 0 has nothing to acknowledge. */
  ack: AckHandle | undefined;
}
