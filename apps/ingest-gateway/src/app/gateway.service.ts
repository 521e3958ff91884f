import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { join } from 'node:path';
import Redis from 'ioredis';
import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import {
  DlqProducer,
  DurableSpool,
  FailsafeGate,
  HeartbeatStore,
  InfluxWriter,
  RunCounters,
} from '@sousvide/ingest-storage';
import { IdempotencyStore } from '@sousvide/idempotency';
import { redactUrl } from '@sousvide/security';
import { TELEMETRY_TOPIC_FILTER } from '@sousvide/telemetry-schema';
import { GATEWAY_ENV, GATEWAY_REDIS, GatewayEnv } from './config/env.schema';
import { redisOptionsFromUrl } from './config/redis-options';
import { Failsafe } from './failsafe/failsafe';
import { TelemetrySubscriber } from './mqtt/telemetry-subscriber';
import { GatewayMetrics } from './ops/gateway-metrics';
import { IngestBatcher } from './pipeline/ingest-batcher';
import { PipelineDeps, processBatch } from './pipeline/ingest-pipeline';
import { PendingRunCounters } from './pipeline/pending-run-counters';
import { RedisCircuit } from './pipeline/redis-circuit';
import { SpoolingDlq } from './pipeline/spooling-dlq';

/** Wires subscriber -> batcher -> pipeline and owns the order of start-up and shutdown. */
@Injectable()
export class GatewayService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(GatewayService.name);
  readonly metrics = new GatewayMetrics();
  private readonly influx: InfluxWriter;
  private readonly dlq: DlqProducer;
  private readonly subscriber: TelemetrySubscriber;
  private readonly batcher: IngestBatcher;
  private readonly failsafe: Failsafe;
  private statsTimer?: NodeJS.Timeout;
  private spooledDlq?: SpoolingDlq;
  private readonly counters: PendingRunCounters;
  private readonly redisCircuit: RedisCircuit;
  private window = emptyWindow();

  constructor(
    @Inject(GATEWAY_ENV) private readonly env: GatewayEnv,
    @Inject(GATEWAY_REDIS) private readonly redis: Redis,
  ) {
    const log = (obj: Record<string, unknown>, msg: string): void => this.logger.warn(obj, msg);
    this.influx = new InfluxWriter({
      url: env.INFLUX_URL,
      token: env.INFLUX_TOKEN,
      org: env.INFLUX_ORG,
      bucket: env.INFLUX_BUCKET,
      timeoutMs: env.INFLUX_TIMEOUT_MS,
      retryBudgetMs: env.INFLUX_RETRY_BUDGET_MS,
    });
    this.dlq = new DlqProducer(
      { ...redisOptionsFromUrl(env.REDIS_URL), connectTimeout: 3000 },
      { onError: (err) => log({ err: err.message }, 'DLQ connection error') },
    );
    const heartbeat = new HeartbeatStore(redis);
    this.redisCircuit = new RedisCircuit(1000, Date.now, (open) =>
      open
        ? this.logger.warn({}, 'Redis unreachable: heartbeats and DLQ entries go to the spool')
        : this.logger.log({}, 'Redis answers again: spool draining, counters catching up'),
    );
    this.counters = new PendingRunCounters(new RunCounters(redis), log, this.redisCircuit);
    const idempotency = new IdempotencyStore(redis, {
      ttlSec: env.IDEMPOTENCY_TTL_SEC,
      claimTtlMs: env.IDEMPOTENCY_CLAIM_TTL_MS,
    });
    const gate = new FailsafeGate(redis, env.GATEWAY_ID);
    this.failsafe = new Failsafe({
      maxTempC: env.FAILSAFE_MAX_TEMP_C,
      minWater: env.FAILSAFE_MIN_WATER,
      cooldownMs: env.FAILSAFE_COOLDOWN_SEC * 1000,
      gatewayId: env.GATEWAY_ID,
      auditLogPath: env.AUDIT_LOG_PATH,
      tryAcquire: (deviceId, ms) => gate.tryAcquire(deviceId, ms),
      publish: async (topic, payload) => {
        const client = this.subscriber.publisher;
        if (!client) {
          throw new Error('no broker connection');
        }
        await client.publishAsync(topic, payload, { qos: 1 });
      },
      log,
    });
    const pipeline = (): PipelineDeps => ({
      influx: this.influx,
      heartbeat,
      counters: this.counters,
      idempotency,
      redis: this.redisCircuit,
      dlq: this.requireSpooledDlq(),
      bypassInflux: env.INGEST_INFLUX_WRITE_MODE === 'bypass',
      gatewayId: env.GATEWAY_ID,
      onStored: (m) => this.failsafe.check(m),
      onBatch: (acc, lost) => {
        const t = acc.totals();
        this.metrics.add(t, acc.latenciesMs);
        this.window.recv += t.recv_total;
        this.window.ok += t.pipeline_success_total;
        this.window.parseFail += t.parse_fail_total;
        this.window.influxFail += t.influx_fail_total;
        this.window.redisFail += t.redis_fail_total;
        this.window.dlqLost += lost;
        this.window.duplicates += t.duplicate_total;
        this.metrics.dlqLost.inc(lost);
        this.metrics.buffered.set(this.batcher.buffered);
      },
      log,
    });
    this.batcher = new IngestBatcher({
      maxBatch: env.INGEST_BATCH_MAX,
      maxWaitMs: env.INGEST_BATCH_MS,
      concurrency: env.INGEST_BATCH_CONCURRENCY,
      maxBuffered: env.INGEST_MAX_BUFFERED,
      process: (batch) => processBatch(batch, pipeline()),
      shed: (batch) => {
        this.metrics.shed.inc(batch.length);
        return processBatch(batch, pipeline(), { shed: true });
      },
      onError: (err, batch) =>
        this.logger.error({ err: (err as Error).message, messages: batch.length }, 'batch failed'),
    });
    this.subscriber = new TelemetrySubscriber({
      url: env.MQTT_URL,
      connections: env.INGEST_MQTT_CONNECTIONS,
      clientIdPrefix: env.GATEWAY_ID,
      sessionExpirySec: env.INGEST_MQTT_SESSION_EXPIRY_SEC,
      ...(env.INGEST_MQTT_SUBSCRIPTION === 'exclusive'
        ? { topicFilter: TELEMETRY_TOPIC_FILTER }
        : {}),
      reconnect: {
        baseMs: env.INGEST_MQTT_RECONNECT_BASE_MS,
        capMs: env.INGEST_MQTT_RECONNECT_CAP_MS,
      },
      onMessage: (m) => this.batcher.push(m),
      onReconnected: () => this.metrics.mqttReconnects.inc(),
      log,
    });
  }

  private requireSpooledDlq(): SpoolingDlq {
    if (!this.spooledDlq) {
      throw new Error('DLQ spool not open yet');
    }
    return this.spooledDlq;
  }

  get mqttConnected(): boolean {
    return this.subscriber.connected;
  }

  async onApplicationBootstrap(): Promise<void> {
    try {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.redis.connect(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer within 3 s')), 3000);
        }),
      ]).finally(() => clearTimeout(timer));
    } catch (err) {
      throw new Error(
        `Redis at ${redactUrl(this.env.REDIS_URL)} unreachable (${(err as Error).message}): check REDIS_URL`,
      );
    }
    const spool = await DurableSpool.open({
      dir: join(this.env.SPOOL_DIR, this.env.GATEWAY_ID),
      maxBytes: this.env.SPOOL_MAX_BYTES,
      onNearFull: (stats) =>
        this.logger.warn({ ...stats, maxBytes: this.env.SPOOL_MAX_BYTES }, 'DLQ spool nearly full'),
      logger: { warn: (obj, msg) => this.logger.warn(obj, msg) },
    });
    this.spooledDlq = new SpoolingDlq(
      this.dlq,
      spool,
      (obj, msg) => this.logger.warn(obj, msg),
      (drained) => {
        for (const e of drained) {
          this.counters.add(e.runId ?? NO_RUN_ID, { spool_drained_total: 1 });
        }
        void this.counters.flush();
      },
      this.redisCircuit,
    );
    this.spooledDlq.start();
    this.metrics.trackSpool(() => spool.stats());
    await this.subscriber.start();
    this.logger.log(
      {
        connections: this.env.INGEST_MQTT_CONNECTIONS,
        mode: this.env.INGEST_INFLUX_WRITE_MODE,
        id: this.env.GATEWAY_ID,
      },
      'ingest gateway subscribed',
    );
    // One line per 5 s with traffic: what lands in an attempt's backend.log.
    this.statsTimer = setInterval(() => {
      if (this.window.recv > 0) {
        this.logger.log(
          { ...this.window, buffered: this.batcher.buffered, windowSec: 5 },
          'ingest stats',
        );
        this.window = emptyWindow();
      }
    }, 5000);
  }

  /** SIGTERM: stop taking messages, finish or DLQ what is held, then close the stores. */
  async onApplicationShutdown(signal?: string): Promise<void> {
    clearInterval(this.statsTimer);
    this.logger.log({ signal, buffered: this.batcher.buffered }, 'draining');
    await this.subscriber.stopTaking();
    await this.batcher.drain();
    await this.failsafe.flush();
    await this.subscriber.close();
    await this.spooledDlq?.stop();
    await this.counters.flush();
    if (this.counters.pendingRuns > 0) {
      this.logger.error(
        { runs: this.counters.pendingRuns },
        'run counters lost: Redis unreachable at shutdown',
      );
    }
    await Promise.allSettled([this.influx.close(), this.dlq.close()]);
    this.redis.disconnect();
    this.logger.log({}, 'drained and closed');
  }
}

/** The counts behind one 5-second `ingest stats` line. */
function emptyWindow(): Record<
  'recv' | 'ok' | 'parseFail' | 'influxFail' | 'redisFail' | 'dlqLost' | 'duplicates',
  number
> {
  return { recv: 0, ok: 0, parseFail: 0, influxFail: 0, redisFail: 0, dlqLost: 0, duplicates: 0 };
}
