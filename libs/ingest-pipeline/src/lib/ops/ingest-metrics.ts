import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BUSINESS_COUNTERS, BusinessCounts } from '@sousvide/loadtest-contracts';

/** Prometheus view of this instance (the per-run totals across instances live in Redis). */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly counters = new Map<string, Counter>();
  private readonly latency: Histogram;
  readonly buffered: Gauge;
  readonly dlqLost: Counter;
  readonly shed: Counter;
  readonly mqttReconnects: Counter;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    for (const name of BUSINESS_COUNTERS) {
      this.counters.set(
        name,
        new Counter({
          name: `ingest_${name}`,
          help: `ingest ${name.replace(/_/g, ' ')}`,
          registers: [this.registry],
        }),
      );
    }
    this.latency = new Histogram({
      name: 'ingest_e2e_latency_seconds',
      help: 'payload ts to pipeline completion',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30],
      registers: [this.registry],
    });
    this.buffered = new Gauge({
      name: 'ingest_buffered_messages',
      help: 'received, not yet processed',
      registers: [this.registry],
    });
    this.shed = new Counter({
      name: 'ingest_shed_total',
      help: 'messages dead-lettered unstored because the buffer was full behind a slow store',
      registers: [this.registry],
    });
    this.dlqLost = new Counter({
      name: 'ingest_dlq_unreachable_total',
      help: 'failed messages that could not be queued in the DLQ',
      registers: [this.registry],
    });
    this.mqttReconnects = new Counter({
      name: 'ingest_mqtt_reconnects_total',
      help: 'MQTT connections of this instance restored after a loss',
      registers: [this.registry],
    });
  }

  /** Spool gauges, read at scrape time. */
  trackSpool(stats: () => { bytes: number; entries: number }): void {
    new Gauge({
      name: 'ingest_spool_entries',
      help: 'failed messages held in the durable spool until the DLQ answers',
      registers: [this.registry],
      collect() {
        this.set(stats().entries);
      },
    });
    new Gauge({
      name: 'ingest_spool_bytes',
      help: 'bytes held in the durable spool',
      registers: [this.registry],
      collect() {
        this.set(stats().bytes);
      },
    });
  }

  add(counts: BusinessCounts, latenciesMs: number[]): void {
    for (const name of BUSINESS_COUNTERS) {
      if (counts[name] > 0) {
        this.counters.get(name)?.inc(counts[name]);
      }
    }
    for (const ms of latenciesMs) {
      this.latency.observe(ms / 1000);
    }
  }
}
