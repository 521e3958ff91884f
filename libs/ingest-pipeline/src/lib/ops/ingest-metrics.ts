import { Counter, Histogram } from 'prom-client';
import { BUSINESS_COUNTERS, INGEST_STAGES } from '@sousvide/loadtest-contracts';
import { LatencyMetric, processRegistry, scrapeGauge } from '@sousvide/platform';
import type { BatchAccounting } from '../pipeline/batch-accounting';

/** Prometheus view of this instance (the per-run totals across instances live in Redis). */
export class IngestMetrics {
  readonly registry = processRegistry();
  private readonly counters = new Map<string, Counter>();
  private readonly latency = new LatencyMetric(
    this.registry,
    'ingest_e2e_latency_seconds',
    'payload ts to pipeline completion',
  );
  private readonly stages = new LatencyMetric(
    this.registry,
    'ingest_stage_seconds',
    'time a message spent in each stage of the gateway (ADR 0015)',
    'stage',
  );
  /**
   * Batches processed and their sizes: each batch pays a store write and a Redis script whatever
   * its size, so CPU per batch is rate(process_cpu_seconds_total) /
   * rate(ingest_batch_messages_count), and messages per batch is its _sum over its _count.
   */
  private readonly batches = new Histogram({
    name: 'ingest_batch_messages',
    help: 'messages per processed batch (its _count: batches processed)',
    buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
    registers: [this.registry],
  });
  readonly shed = this.counter(
    'ingest_shed_total',
    'messages dead-lettered unstored because the buffer was full behind a slow store',
  );
  readonly mqttReconnects = this.counter(
    'ingest_mqtt_reconnects_total',
    'MQTT connections of this instance restored after a loss',
  );
  readonly released = this.counter(
    'ingest_released_total',
    'deliveries left unacknowledged at shutdown (the broker redelivers them)',
  );

  constructor() {
    for (const name of BUSINESS_COUNTERS) {
      this.counters.set(name, this.counter(`ingest_${name}`, `ingest ${name.replace(/_/g, ' ')}`));
    }
  }

  /** Gauges read at scrape time: messages held, and the durable spool's entries and bytes. */
  track(
    held: () => { buffered: number; unacked: number },
    spool: () => { bytes: number; entries: number },
  ): void {
    this.gauge('ingest_buffered_messages', 'received, waiting for a batch', () => held().buffered);
    this.gauge(
      'ingest_unacked_messages',
      'received and not yet acknowledged to the broker (waiting or being stored)',
      () => held().unacked,
    );
    this.gauge(
      'ingest_spool_entries',
      'failed messages held in the durable spool until the DLQ answers',
      () => spool().entries,
    );
    this.gauge('ingest_spool_bytes', 'bytes held in the durable spool', () => spool().bytes);
  }

  /** One processed batch: its counters, its latencies and its stage timings. */
  recordBatch(acc: BatchAccounting): void {
    const counts = acc.totals();
    this.batches.observe(counts.recv_total + counts.duplicate_total);
    for (const name of BUSINESS_COUNTERS) {
      if (counts[name] > 0) {
        this.counters.get(name)?.inc(counts[name]);
      }
    }
    this.latency.add(acc.latency);
    for (const stage of INGEST_STAGES) {
      this.stages.add(acc.stages[stage], stage);
    }
  }

  /** A stage measured after its batch was recorded (the acknowledgement). */
  recordStage(stage: (typeof INGEST_STAGES)[number], h: Parameters<LatencyMetric['add']>[0]): void {
    this.stages.add(h, stage);
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  private gauge(name: string, help: string, read: () => number): void {
    scrapeGauge(this.registry, name, help, read);
  }
}
