import { Logger, type Provider } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { IdempotencyStore } from '@sousvide/idempotency';
import { DlqProducer, DurableSpool, FailsafeGate } from '@sousvide/ingest-storage';
import { RunCounters } from '@sousvide/run-accounting';
import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import { RedisClientFactory } from '@sousvide/platform';
import { IngestBatcher } from './batching/ingest-batcher';
import { RedisCircuit } from './circuit/redis-circuit';
import { pipelineSettings, type PipelineEnv } from './config/pipeline-env';
import { PendingRunCounters } from './counters/pending-run-counters';
import { SpoolingDlq } from './dlq/spooling-dlq';
import { Failsafe } from './failsafe/failsafe';
import { CONTROL_PUBLISHER, INGEST_REDIS, type ControlPublisher } from './ingest.tokens';
import { IngestMetrics } from './ops/ingest-metrics';
import { IngestStatsLog } from './ops/ingest-stats-log';
import { IngestPipeline } from './pipeline/ingest-pipeline';
import { MessageStorage } from './storage/message-storage';

/** How long the circuit stays open before one call probes Redis again (ADR 0009). */
const REDIS_PROBE_MS = 1000;

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
      provide: PendingRunCounters,
      inject: [RunCounters, RedisCircuit],
      useFactory: (counters: RunCounters, circuit: RedisCircuit) =>
        new PendingRunCounters(counters, warn, circuit, `${settings.gatewayId}-${Date.now()}`),
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
      inject: [DlqProducer, DurableSpool, PendingRunCounters, RedisCircuit],
      useFactory: (
        dlq: DlqProducer,
        spool: DurableSpool,
        counters: PendingRunCounters,
        circuit: RedisCircuit,
      ) =>
        new SpoolingDlq(
          dlq,
          spool,
          warn,
          (drained) => {
            for (const e of drained) {
              counters.add(e.runId ?? NO_RUN_ID, { spool_drained_total: 1 });
            }
            void counters.flush();
          },
          circuit,
        ),
    },
    {
      provide: FailsafeGate,
      inject: [INGEST_REDIS],
      useFactory: (redis: Redis) => new FailsafeGate(redis, settings.gatewayId),
    },
    {
      provide: Failsafe,
      inject: [FailsafeGate, CONTROL_PUBLISHER],
      useFactory: (gate: FailsafeGate, control: ControlPublisher) =>
        new Failsafe({
          ...settings.failsafe,
          tryAcquire: (deviceId, ms) => gate.tryAcquire(deviceId, ms),
          publish: (topic, payload) => control.publish(topic, payload),
          log: warn,
        }),
    },
    IngestMetrics,
    IngestStatsLog,
    {
      provide: IngestPipeline,
      inject: [
        MessageStorage,
        IdempotencyStore,
        PendingRunCounters,
        SpoolingDlq,
        RedisCircuit,
        Failsafe,
        IngestMetrics,
        IngestStatsLog,
      ],
      useFactory: (
        storage: MessageStorage,
        idempotency: IdempotencyStore,
        counters: PendingRunCounters,
        dlq: SpoolingDlq,
        circuit: RedisCircuit,
        failsafe: Failsafe,
        metrics: IngestMetrics,
        stats: IngestStatsLog,
      ) =>
        new IngestPipeline({
          storage,
          idempotency,
          counters,
          dlq,
          redis: circuit,
          bypassInflux: settings.bypassInflux,
          gatewayId: settings.gatewayId,
          onStored: (m) => failsafe.check(m),
          onBatch: (acc, lost) => {
            metrics.recordBatch(acc, lost);
            stats.record(acc, lost);
          },
          log: warn,
        }),
    },
    {
      provide: IngestBatcher,
      inject: [IngestPipeline, IngestMetrics],
      useFactory: (pipeline: IngestPipeline, metrics: IngestMetrics) =>
        new IngestBatcher({
          ...settings.batcher,
          process: (batch) => pipeline.process(batch),
          shed: (batch) => {
            metrics.shed.inc(batch.length);
            return pipeline.process(batch, { shed: true });
          },
          onError: (err, batch) =>
            logger.error({ err: (err as Error).message, messages: batch.length }, 'batch failed'),
        }),
    },
  ];
}
