import { idempotencyKey } from '@sousvide/idempotency';
import { type BackoffPolicy, fullJitterBackoffMs, withTimeout } from '@sousvide/shared-util';
import { controlTopic, type TelemetryV1 } from '@sousvide/telemetry-schema';
import type { AuditLog } from './audit-log';
import type { CooldownGate, GateDecision } from './cooldown-gate';
import { actableForMs, type FailsafeLimits, failsafeReason, isStale } from './failsafe-rule';
import type { FailsafeMetrics } from './failsafe-metrics';

/** Every decision the fail-safe takes about an over-limit reading, as its audit record names it. */
export type FailsafeDecision = 'sent' | 'retried' | 'failed' | 'suppressed' | 'duplicate' | 'stale';

export interface FailsafeOptions {
  limits: FailsafeLimits;
  gatewayId: string;
  gate: Pick<CooldownGate, 'decide' | 'release' | 'close'>;
  audit: Pick<AuditLog, 'append' | 'close' | 'last'>;
  /** QoS 1 publish of a command; resolves on the broker's acknowledgement. */
  publish: (topic: string, payload: string) => Promise<void>;
  /** Each publish waits `timeoutMs`; a failed one is tried again, `attempts` in all. */
  delivery: { timeoutMs: number; attempts: number; backoff: BackoffPolicy };
  metrics?: Pick<FailsafeMetrics, 'decided' | 'commandLatency' | 'auditFailed'>;
  log: (obj: Record<string, unknown>, msg: string) => void;
  sleep?: (ms: number) => Promise<void>;
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Fail-safe control, taken as soon as a reading is parsed (ADR 0016): a reading over the safety
 * temperature or under the minimum water level turns the heater off by a QoS 1 command on the
 * device's control topic, at most once per device per cooldown across all instances. It never
 * waits for storage, so store and Redis outages, a full buffer or a shed batch do not delay it.
 * A failed publish is tried again with backoff, a bounded number of times; then the cooldown is
 * given back so the next reading acts. Every decision is appended to the hash-chained audit log.
 */
export class Failsafe {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: FailsafeOptions) {
    this.sleep = o.sleep ?? delay;
  }

  /** Judges one parsed reading received at `receivedAt`; returns at once. */
  check(msg: TelemetryV1, receivedAt: number): void {
    const reason = failsafeReason(msg, this.o.limits);
    if (reason) {
      const work = this.handle(msg, receivedAt, reason);
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }
  }

  /** Resolves when every decision taken so far is done (sent or given up) and audited. */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) {
      await Promise.allSettled([...this.inFlight]);
    }
  }

  /**
   * Finishes what is in flight, then closes the audit log and logs the chain's head (what `audit
   * verify` must end in). Never rejects: a shutdown goes on whatever the log's file does.
   */
  async close(): Promise<void> {
    await this.flush();
    this.o.gate.close();
    const head = this.o.audit.last;
    try {
      await this.o.audit.close();
      this.o.log({ records: head.n, head: head.hash }, 'audit log closed');
    } catch (err) {
      this.o.log(
        { records: head.n, head: head.hash, err: (err as Error).message },
        'audit log close failed',
      );
    }
  }

  private async handle(msg: TelemetryV1, receivedAt: number, reason: string): Promise<void> {
    const base = {
      who: this.o.gatewayId,
      deviceId: msg.deviceId,
      reason,
      reading: { seq: msg.seq, ts: msg.ts, tempC: msg.tempC, waterLevel: msg.waterLevel },
      limits: { maxTempC: this.o.limits.maxTempC, minWater: this.o.limits.minWater },
    };
    try {
      if (isStale(msg, receivedAt, this.o.limits)) {
        await this.record('stale', { ...base, ageMs: receivedAt - msg.ts });
        return;
      }
      const firedMs = actableForMs(msg, Date.now(), this.o.limits, 1000);
      const decision = await this.o.gate.decide(msg.deviceId, idempotencyKey(msg), firedMs);
      if (decision.outcome !== 'acquired') {
        const kind = decision.outcome === 'duplicate' ? 'duplicate' : 'suppressed';
        await this.record(kind, { ...base, gate: decision.via });
        return;
      }
      await this.deliver(msg, receivedAt, reason, { ...base, gate: decision.via }, decision);
    } catch (err) {
      this.o.log(
        { deviceId: msg.deviceId, err: (err as Error).message },
        'fail-safe decision failed',
      );
    }
  }

  private async deliver(
    msg: TelemetryV1,
    receivedAt: number,
    reason: string,
    base: Record<string, unknown>,
    decision: GateDecision,
  ): Promise<void> {
    const { timeoutMs, attempts, backoff } = this.o.delivery;
    const topic = controlTopic(msg.deviceId);
    const command = {
      v: 1,
      cmd: 'failsafe',
      heaterOn: false,
      reason,
      issuedAt: Date.now(),
      reading: { seq: msg.seq, ts: msg.ts },
    };
    const payload = JSON.stringify(command);
    for (let attempt = 1; ; attempt += 1) {
      try {
        await withTimeout(this.o.publish(topic, payload), timeoutMs, 'fail-safe publish');
        const latencyMs = Date.now() - receivedAt;
        this.o.metrics?.commandLatency(latencyMs);
        await this.record('sent', { ...base, topic, command, attempt, latencyMs });
        return;
      } catch (err) {
        const error = (err as Error).message;
        if (attempt >= attempts) {
          if (decision.claim) {
            await this.o.gate.release(decision.claim);
          }
          this.o.log(
            { deviceId: msg.deviceId, attempts, err: error },
            'fail-safe command not delivered',
          );
          await this.record('failed', { ...base, topic, attempt, error });
          return;
        }
        const delayMs = fullJitterBackoffMs(attempt - 1, backoff);
        await this.record('retried', { ...base, topic, attempt, error, delayMs });
        await this.sleep(delayMs);
      }
    }
  }

  /** Audits one decision; a record the log refused is logged whole, never silently dropped. */
  private async record(decision: FailsafeDecision, fields: Record<string, unknown>): Promise<void> {
    this.o.metrics?.decided(decision);
    const body = { at: new Date().toISOString(), decision, ...fields };
    try {
      await this.o.audit.append(body);
    } catch (err) {
      this.o.metrics?.auditFailed();
      this.o.log(
        { record: body, err: (err as Error).message },
        'fail-safe audit record not written',
      );
    }
  }
}
