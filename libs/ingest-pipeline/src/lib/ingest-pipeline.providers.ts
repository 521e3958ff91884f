import { Logger, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { IdempotencyStore } from '@sousvide/idempotency';
import { DlqProducer, DurableSpool, FailsafeGate, HeartbeatStore } from '@sousvide/ingest-storage';
import { APPLY_DELTA_SCRIPT, RunCounters } from '@sousvide/run-accounting';
import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import { RedisClientFactory } from '@sousvide/platform';
import { LatencyHistogram, withTimeout } from '@sousvide/shared-util';
import { IngestBatcher } from './batching/ingest-batcher';
import { RedisCircuit } from './circuit/redis-circuit';
import { pipelineSettings, type PipelineEnv } from './config/pipeline-env';
import { RunLedger } from './counters/run-ledger';
import { ScriptBatch } from './counters/script-batch';
import { IdentitySettler, SETTLE_IDENTITIES_SCRIPT } from './counters/settle-identities';
import { SpoolingDlq } from './dlq/spooling-dlq';
import { AuditLog } from './failsafe/audit-log';
import { CooldownGate } from './failsafe/cooldown-gate';
import { Failsafe } from './failsafe/failsafe';
import { FailsafeMetrics } from './failsafe/failsafe-metrics';
import {
  CONTROL_PUBLISHER,
  GATEWAY_INSTANCE,
  INGEST_REDIS,
  type ControlPublisher,
} from './ingest.tokens';
import { GatewayLiveness, type GatewayInstance } from './liveness/gateway-liveness';
import { DLQ_DEPTH_GAUGE, registerDlqDepth } from './ops/dlq-depth-metric';
import { IngestMetrics } from './ops/ingest-metrics';
import { IngestStatsLog } from './ops/ingest-stats-log';
import { DeliveryParser } from './parse/delivery-parser';
import type { BatchAccounting } from './pipeline/batch-accounting';
import { IngestPipeline } from './pipeline/ingest-pipeline';
import type { RawMessage } from './pipeline/raw-message';
import { MessageStorage } from './storage/message-storage';

/** How long the circuit stays open before one call probes Redis again (ADR 0009). */
const REDIS_PROBE_MS = 1000;
/** Bound on the stored-copy check of a batch's failed writes (one pipelined SISMEMBER round). */
const RECORDED_CHECK_MS = 1000;

/** The batcher of the gateway: raw deliveries in, each batch's accounting out. */
export type GatewayBatcher = IngestBatcher<RawMessage, BatchAccounting>;

/** What the pipeline is made of, each built from the validated settings: the wiring in one place. */
export function ingestPipelineProviders(env: PipelineEnv): Provider[] {
  const logger = new Logger('IngestPipeline');
  const warn = (obj: Record<string, unknown>, msg: string): void => logger.warn(obj, msg);
  const settings = pipelineSettings(env);
  return [
    {
      provide: RedisCircuit,
      useFactory: () =>
        new RedisCircuit(REDIS_PROBE_MS, Date.now, (open) =>
          open
            ? logger.warn({}, 'Redis unreachable: heartbeats and DLQ entries go to the spool')
            : logger.log({}, 'Redis answers again: spool draining, counters catching up'),
        ),
    },
    {
      provide: GatewayLiveness,
      inject: [INGEST_REDIS, GATEWAY_INSTANCE],
      useFactory: (redis: Redis, instance: GatewayInstance) =>
        new GatewayLiveness(redis, instance, warn),
    },
    {
      provide: RunLedger,
      inject: [INGEST_REDIS, IdempotencyStore, RunCounters, RedisCircuit, GATEWAY_INSTANCE],
      useFactory: (
        redis: Redis,
        idempotency: IdempotencyStore,
        counters: RunCounters,
        circuit: RedisCircuit,
        instance: GatewayInstance,
      ) =>
        new RunLedger({
          transaction: ScriptBatch.factory(redis, [SETTLE_IDENTITIES_SCRIPT, APPLY_DELTA_SCRIPT]),
          heartbeat: new HeartbeatStore(redis),
          identities: new IdentitySettler(redis, idempotency),
          counters,
          log: warn,
          redis: circuit,
          idPrefix: `${instance.gatewayId}-${instance.incarnation}`,
        }),
    },
    {
      provide: DlqProducer,
      inject: [RedisClientFactory],
      useFactory: (clients: RedisClientFactory) =>
        new DlqProducer(clients.create('ingest', env.REDIS_URL), {
          onError: (err) => warn({ err: err.message }, 'DLQ connection error'),
        }),
    },
    {
      provide: DurableSpool,
      useFactory: () =>
        DurableSpool.open({
          ...settings.spool,
          onNearFull: (stats) =>
            logger.warn({ ...stats, maxBytes: settings.spool.maxBytes }, 'DLQ spool nearly full'),
          logger: { warn },
        }),
    },
    {
      provide: SpoolingDlq,
      inject: [DlqProducer, DurableSpool, RunLedger, RedisCircuit],
      useFactory: (
        dlq: DlqProducer,
        spool: DurableSpool,
        ledger: RunLedger,
        circuit: RedisCircuit,
      ) =>
        new SpoolingDlq(
          dlq,
          spool,
          warn,
          (drained) => {
            for (const e of drained) {
              ledger.add(e.runId ?? NO_RUN_ID, { counts: { spool_drained_total: 1 } });
            }
            void ledger.flush();
          },
          circuit,
        ),
    },
    {
      provide: FailsafeGate,
      inject: [INGEST_REDIS],
      useFactory: (redis: Redis) => new FailsafeGate(redis),
    },
    { provide: DeliveryParser, useFactory: () => new DeliveryParser(settings.tsWindow) },
    {
      provide: AuditLog,
      useFactory: () => AuditLog.open(settings.failsafe.auditLogPath, warn),
    },
    {
      provide: FailsafeMetrics,
      inject: [IngestMetrics],
      useFactory: (metrics: IngestMetrics) => new FailsafeMetrics(metrics.registry),
    },
    {
      provide: DLQ_DEPTH_GAUGE,
      inject: [IngestMetrics, DlqProducer],
      useFactory: (metrics: IngestMetrics, dlq: DlqProducer) =>
        registerDlqDepth(metrics.registry, dlq),
    },
    {
      provide: Failsafe,
      inject: [FailsafeGate, CONTROL_PUBLISHER, RedisCircuit, AuditLog, FailsafeMetrics],
      useFactory: (
        gate: FailsafeGate,
        control: ControlPublisher,
        circuit: RedisCircuit,
        audit: AuditLog,
        metrics: FailsafeMetrics,
      ) =>
        new Failsafe({
          ...settings.failsafe,
          gatewayId: settings.gatewayId,
          gate: new CooldownGate({
            remote: gate,
            gatewayId: settings.gatewayId,
            cooldownMs: settings.failsafe.cooldownMs,
            timeoutMs: settings.failsafe.redisTimeoutMs,
            redisKnownDown: () => circuit.open,
            log: warn,
          }),
          audit,
          publish: (topic, payload) => control.publish(topic, payload),
          metrics,
          log: warn,
        }),
    },
    IngestMetrics,
    IngestStatsLog,
    {
      provide: IngestPipeline,
      inject: [
        MessageStorage,
        RunLedger,
        SpoolingDlq,
        DeliveryParser,
        IngestMetrics,
        IngestStatsLog,
        IdempotencyStore,
        RedisCircuit,
      ],
      useFactory: (
        storage: MessageStorage,
        ledger: RunLedger,
        dlq: SpoolingDlq,
        parser: DeliveryParser,
        metrics: IngestMetrics,
        stats: IngestStatsLog,
        idempotency: IdempotencyStore,
        circuit: RedisCircuit,
      ) =>
        new IngestPipeline({
          storage,
          counters: ledger,
          dlq,
          // Only on a failed write or a shed batch. Redis known down: nothing is known recorded (the failures
          // are dead-lettered); a stalled one costs this check at most RECORDED_CHECK_MS and
          // opens the circuit, so the batches behind it do not wait too.
          recorded: (messages) =>
            circuit.open
              ? Promise.resolve([])
              : withTimeout(
                  idempotency.committed(messages),
                  RECORDED_CHECK_MS,
                  'stored-copy check',
                ).then(
                  (answers) => {
                    circuit.succeeded();
                    return answers;
                  },
                  (err: unknown) => {
                    circuit.failed();
                    throw err;
                  },
                ),
          bypassInflux: settings.bypassInflux,
          gatewayId: settings.gatewayId,
          parser,
          onBatch: (acc) => {
            metrics.recordBatch(acc);
            stats.record(acc);
          },
          log: warn,
        }),
    },
    {
      provide: IngestBatcher,
      inject: [IngestPipeline, IngestMetrics, RunLedger],
      useFactory: (pipeline: IngestPipeline, metrics: IngestMetrics, ledger: RunLedger) =>
        new IngestBatcher<RawMessage, BatchAccounting>({
          ...settings.batcher,
          process: (batch, signal) => pipeline.process(batch, { signal }),
          shed: (batch, signal) => {
            metrics.shed.inc(batch.length);
            return pipeline.process(batch, { shed: true, signal });
          },
          settled: (batch, acc, finishedAt) => {
            if (acc === undefined) {
              batch.forEach((m) => m.ack?.release());
              metrics.released.inc(batch.length);
              return;
            }
            batch.forEach((m) => m.ack?.ack());
            recordAck(acc, Date.now() - finishedAt, ledger, metrics);
          },
          onError: (err, batch) =>
            logger.error(
              { err: (err as Error).message, messages: batch.length },
              'batch failed: trying it again',
            ),
        }),
    },
  ];
}

/** The wait from a batch's end to its acknowledgement (earlier batches first), per run. */
function recordAck(
  acc: BatchAccounting,
  ms: number,
  ledger: RunLedger,
  metrics: IngestMetrics,
): void {
  const all = new LatencyHistogram();
  for (const { runId, n } of acc.messagesByRun()) {
    const h = new LatencyHistogram();
    h.recordMs(ms, n);
    all.recordMs(ms, n);
    ledger.add(runId, { stages: { ack: h } });
  }
  metrics.recordStage('ack', all);
}
