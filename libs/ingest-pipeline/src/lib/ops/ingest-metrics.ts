import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BUSINESS_COUNTERS } from '@sousvide/loadtest-contracts';
import type { BatchAccounting } from '../pipeline/batch-accounting';

/** Prometheus view of this instance (the per-run totals across instances live in Redis). */
export class IngestMetrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly latency: Histogram;
  readonly dlqLost = this.counter(
    'ingest_dlq_unreachable_total',
    'failed messages that could not be queued in the DLQ',
  );
  readonly shed = this.counter(
    'ingest_shed_total',
    'messages dead-lettered unstored because the buffer was full behind a slow store',
  );
  readonly mqttReconnects = this.counter(
    'ingest_mqtt_reconnects_total',
    'MQTT connections of this instance restored after a loss',
  );

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const name of BUSINESS_COUNTERS) {
      this.counters.set(name, this.counter(`ingest_${name}`, `ingest ${name.replace(/_/g, ' ')}`));
    }
    this.latency = new Histogram({
      name: 'ingest_e2e_latency_seconds',
      help: 'payload ts to pipeline completion',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30],
      registers: [this.registry],
    });
  }

  /** Gauges read at scrape time: messages held, and the durable spool's entries and bytes. */
  track(buffered: () => number, spool: () => { bytes: number; entries: number }): void {
    this.gauge('ingest_buffered_messages', 'received, not yet processed', buffered);
    this.gauge(
      'ingest_spool_entries',
      'failed messages held in the durable spool until the DLQ answers',
      () => spool().entries,
    );
    this.gauge('ingest_spool_bytes', 'bytes held in the durable spool', () => spool().bytes);
  }

  /** One processed batch: its counters, its latencies and the failures no DLQ took. */
  recordBatch(acc: BatchAccounting, dlqLost: number): void {
    const counts = acc.totals();
    for (const name of BUSINESS_COUNTERS) {
      if (counts[name] > 0) {
        this.counters.get(name)?.inc(counts[name]);
      }
    }
    for (const ms of acc.latenciesMs) {
      this.latency.observe(ms / 1000);
    }
    this.dlqLost.inc(dlqLost);
  }

  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: [this.registry] });
  }

  private gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }
}
