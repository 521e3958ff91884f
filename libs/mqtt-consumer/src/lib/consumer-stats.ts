/** Counters of one consumer since it was built (all connections). */
export interface ConsumerStats {
  /** CONNACKs received. */
  connects: number;
  /** Established connections that ended (not counting a planned close). */
  losses: number;
  /** PUBLISHes handed to the application, and how many of them carried DUP. */
  delivered: number;
  deliveredDup: number;
  /** Calls of `onDeliveries` (socket reads that carried at least one PUBLISH). */
  batches: number;
  /** ack() calls that counted (first settle of a live handle). */
  acked: number;
  released: number;
  /** ack()/release() on a handle whose connection was gone: the broker redelivers those. */
  staleAcks: number;
  /** PUBACKs written, and in how many socket writes (coalescing). */
  pubacksSent: number;
  pubackWrites: number;
  /**
   * QoS 1 PUBLISHes the broker sent beyond our Receive Maximum (a broker bug; they wait in the
   * consumer until acks make room, see ADR 0013).
   */
  receiveMaximumExceeded: number;
  /** Deliveries of the current connection not yet PUBACKed, and the highest this ever was. */
  unacked: number;
  maxUnacked: number;
  /** Our QoS 1 publishes acknowledged by the broker, and failed (timeout, rejected, closed). */
  published: number;
  publishFailed: number;
}

/** A fresh set of counters. */
export const emptyStats = (): ConsumerStats => ({
  connects: 0,
  losses: 0,
  delivered: 0,
  deliveredDup: 0,
  batches: 0,
  acked: 0,
  released: 0,
  staleAcks: 0,
  pubacksSent: 0,
  pubackWrites: 0,
  receiveMaximumExceeded: 0,
  unacked: 0,
  maxUnacked: 0,
  published: 0,
  publishFailed: 0,
});
