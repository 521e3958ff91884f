import { Counter, Histogram, type Registry } from 'prom-client';
import type { FailsafeDecision } from './failsafe';

/** The fail-safe on this instance's /metrics: decisions by kind, command latency, audit failures. */
export class FailsafeMetrics {
  private readonly decisions: Counter<'decision'>;
  private readonly latency: Histogram;
  private readonly auditFailures: Counter;

  constructor(registry: Registry) {
    this.decisions = new Counter({
      name: 'ingest_failsafe_decisions_total',
      help: 'fail-safe decisions on over-limit readings, by decision',
      labelNames: ['decision'],
      registers: [registry],
    });
    this.latency = new Histogram({
      name: 'ingest_failsafe_command_latency_seconds',
      help: 'reading received to heater-off command acknowledged by the broker',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    });
    this.auditFailures = new Counter({
      name: 'ingest_failsafe_audit_failures_total',
      help: 'fail-safe audit records the log could not make durable (each logged instead)',
      registers: [registry],
    });
  }

  decided(decision: FailsafeDecision): void {
    this.decisions.inc({ decision });
  }

  commandLatency(ms: number): void {
    this.latency.observe(ms / 1000);
  }

  auditFailed(): void {
    this.auditFailures.inc();
  }
}
