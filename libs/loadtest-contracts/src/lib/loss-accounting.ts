import { BusinessCounts } from './ingest.constants';

/**
 * Where every message a run published ended up (docs/architecture.md section 7): stored, waiting
 * in the DLQ, or waiting in a gateway's local spool. Whatever is in none of them is lost, and must be 0.
 */
export interface LossAccounting {
  published: number;
  /** Fully stored by a gateway (Influx and heartbeat, or heartbeat in bypass mode) or a replay. */
  stored: number;
  /** The run's entries in the DLQ now (read from the queue, not from counters). */
  in_dlq: number;
  /** Failed messages still in a gateway spool: spooled minus drained into the DLQ. */
  in_spool: number;
  /** Extra copies absorbed by the idempotency check; not part of the sum. */
  duplicates: number;
  /**
   * max(0, published - stored - in_dlq - in_spool): acknowledged messages found nowhere. A lower
   * bound when `unconfirmed_arrived` > 0 (counts cannot tell which messages those were).
   */
  lost: number;
  /**
   * max(0, stored + in_dlq + in_spool - published): messages the backend holds that the devices
   * counted as failed, e.g. a QoS 1 publish whose PUBACK was lost with the connection after the
   * broker had accepted it (at-least-once delivery), or a counter counted twice.
   */
  unconfirmed_arrived: number;
}

export function accountForRun(input: {
  published: number;
  counts: BusinessCounts;
  inDlq: number;
  bypass: boolean;
}): LossAccounting {
  const c = input.counts;
  const stored =
    (input.bypass ? c.core_pipeline_success_total : c.pipeline_success_total) + c.replayed_total;
  const inSpool = Math.max(0, c.spooled_total - c.spool_drained_total);
  return {
    published: input.published,
    stored,
    in_dlq: input.inDlq,
    in_spool: inSpool,
    duplicates: c.duplicate_total,
    lost: Math.max(0, input.published - stored - input.inDlq - inSpool),
    unconfirmed_arrived: Math.max(0, stored + input.inDlq + inSpool - input.published),
  };
}
