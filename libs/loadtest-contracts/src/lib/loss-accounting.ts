import { BusinessCounts } from './ingest.constants';

/**
 * What was still on its way at the summary's cut-off, each part measured where it sits (ADR 0017):
 * `null` where it could not be measured, with the reason in `notes`.
 */
export interface InFlightMeasures {
  /**
   * Messages the broker held at the cut-off beyond its retained ones, less what it held that way
   * before the attempt (Mosquitto's `$SYS/broker/store/messages/count` minus
   * `$SYS/broker/retained messages/count`): queued for the gateways' sessions or delivered and
   * not yet acknowledged. Broker-wide: other traffic on the same broker counts too.
   */
  broker: number | null;
  /** Messages the live gateways held unacknowledged (their heartbeats in Redis). */
  gateways: number | null;
  /** Messages the broker dropped during the attempt (queue limits; `$SYS/.../dropped`). */
  brokerDropped: number | null;
  notes: string[];
}

/**
 * Where every message a run published ended up (docs/architecture.md section 7): stored, waiting
 * in the DLQ, waiting in a gateway's local spool, or measured in flight at the cut-off. Whatever
 * is in none of them is lost, and must be 0.
 */
export interface LossAccounting {
  published: number;
  /** Fully stored by a gateway (Influx and heartbeat, or heartbeat in bypass mode) or a replay. */
  stored: number;
  /** The run's entries in the DLQ now (read from the queue, not from counters). */
  in_dlq: number;
  /** Failed messages still in a gateway spool: spooled minus drained into the DLQ. */
  in_spool: number;
  /**
   * Messages not yet stored, dead-lettered or spooled but measured on their way at the cut-off
   * (broker queue, gateway buffers), at most the missing ones. Not lost, not ingested either.
   */
  in_flight: number;
  /** The measurements `in_flight` comes from (absent when none was taken). */
  in_flight_measured?: InFlightMeasures;
  /** Extra copies absorbed by the idempotency check; not part of the sum. */
  duplicates: number;
  /**
   * max(0, published - stored - in_dlq - in_spool - in_flight): messages found nowhere measured.
   * A lower bound when `unconfirmed_arrived` > 0 (counts cannot tell which messages those were).
   */
  lost: number;
  /**
   * max(0, stored + in_dlq + in_spool - published): messages the backend holds that the devices
   * counted as failed, e.g. a QoS 1 publish whose PUBACK was lost with the connection after the
   * broker had accepted it (at-least-once delivery), or a counter counted twice.
   */
  unconfirmed_arrived: number;
}

/**
 * What the measures say is in flight. At QoS 1/2 a gateway acknowledges a delivery only once it
 * is durable (ADR 0015), so what a gateway holds is still in the broker's store: the larger of
 * the two, not their sum. At QoS 0 the broker forgets a message once written to the socket, so
 * the two are disjoint and add up.
 */
export function measuredInFlight(m: InFlightMeasures, qos: 0 | 1 | 2): number {
  const broker = m.broker ?? 0;
  const gateways = m.gateways ?? 0;
  return qos === 0 ? broker + gateways : Math.max(broker, gateways);
}

export function accountForRun(input: {
  published: number;
  counts: BusinessCounts;
  inDlq: number;
  bypass: boolean;
  inFlight?: { measures: InFlightMeasures; qos: 0 | 1 | 2 };
}): LossAccounting {
  const c = input.counts;
  const stored =
    (input.bypass ? c.core_pipeline_success_total : c.pipeline_success_total) + c.replayed_total;
  const inSpool = Math.max(0, c.spooled_total - c.spool_drained_total);
  const missing = Math.max(0, input.published - stored - input.inDlq - inSpool);
  const inFlight = input.inFlight
    ? Math.min(missing, measuredInFlight(input.inFlight.measures, input.inFlight.qos))
    : 0;
  return {
    published: input.published,
    stored,
    in_dlq: input.inDlq,
    in_spool: inSpool,
    in_flight: inFlight,
    ...(input.inFlight ? { in_flight_measured: input.inFlight.measures } : {}),
    duplicates: c.duplicate_total,
    lost: missing - inFlight,
    unconfirmed_arrived: Math.max(0, stored + input.inDlq + inSpool - input.published),
  };
}
