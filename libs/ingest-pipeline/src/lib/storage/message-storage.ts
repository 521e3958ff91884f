import { Inject, Injectable } from '@nestjs/common';
import { HeartbeatStore, InfluxWriter } from '@sousvide/ingest-storage';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { RedisCircuit } from '../circuit/redis-circuit';

/** What storing one message came to: no field set means both stages stored it. */
export interface StorageOutcome {
  /** Influx refused the message (after the writer's retries). */
  influx?: { code: string; error: string };
  /** The heartbeat was not recorded. */
  redis?: string;
}

export interface StoreOptions {
  /** `INGEST_INFLUX_WRITE_MODE=bypass`: the Influx stage is skipped and counts as bypassed. */
  bypassInflux?: boolean;
  /** While Redis is known down, heartbeats fail at once instead of waiting on a timeout. */
  redis?: Pick<RedisCircuit, 'allow' | 'succeeded' | 'failed'>;
  /**
   * false: Influx only; the caller records the heartbeats itself (the gateway's batch script,
   * ADR 0025). Default true.
   */
  heartbeat?: boolean;
  /** Filled with how long each stage took (they run in parallel). */
  timings?: { influxMs: number; heartbeatMs: number };
}

/** The heartbeat error of a batch skipped while the Redis circuit is open. */
export const HEARTBEAT_SKIPPED = 'REDIS_UNAVAILABLE: skipped while Redis is down (circuit open)';

/**
 * The storage step every delivery goes through, first or replayed: the Influx write and the Redis
 * heartbeat, in parallel. Both are idempotent (a point with the same tags and time overwrites, the
 * heartbeat is ZADD GT), which is what lets the replayer re-drive both stages whatever stage an
 * entry failed in. Heartbeats fail per device, so one outcome is reported per message.
 */
@Injectable()
export class MessageStorage {
  constructor(
    @Inject(InfluxWriter) private readonly influx: Pick<InfluxWriter, 'write'>,
    @Inject(HeartbeatStore) private readonly heartbeat: Pick<HeartbeatStore, 'touch'>,
  ) {}

  /** One outcome per message, in order. Never rejects. */
  async store(
    messages: readonly TelemetryV1[],
    opts: StoreOptions = {},
  ): Promise<StorageOutcome[]> {
    if (messages.length === 0) {
      return [];
    }
    const started = Date.now();
    const timed = <T>(p: Promise<T>, into: 'influxMs' | 'heartbeatMs'): Promise<T> =>
      p.finally(() => {
        if (opts.timings) {
          opts.timings[into] = Date.now() - started;
        }
      });
    const [influx, heartbeat] = await Promise.all([
      opts.bypassInflux ? undefined : timed(this.influx.write([...messages]), 'influxMs'),
      opts.heartbeat === false
        ? new Map<string, string>()
        : timed(this.touch(messages, opts.redis), 'heartbeatMs'),
    ]);
    const influxFailed = new Map<TelemetryV1, { code: string; error: string }>();
    for (const f of influx?.failed ?? []) {
      influxFailed.set(f.message, { code: f.code, error: f.error });
    }
    return messages.map((m) => {
      const influxError = influxFailed.get(m);
      const redisError = heartbeat.get(m.deviceId);
      return {
        ...(influxError ? { influx: influxError } : {}),
        ...(redisError === undefined ? {} : { redis: redisError }),
      };
    });
  }

  /** Heartbeat errors by device; all failed at once while the circuit is open. */
  private async touch(
    messages: readonly TelemetryV1[],
    circuit: StoreOptions['redis'],
  ): Promise<Map<string, string>> {
    const failed = new Map<string, string>();
    if (circuit && !circuit.allow()) {
      messages.forEach((m) => failed.set(m.deviceId, HEARTBEAT_SKIPPED));
      return failed;
    }
    const res = await this.heartbeat.touch(
      messages.map((m) => ({ deviceId: m.deviceId, ts: m.ts })),
    );
    if (res.ok.length === 0 && res.failed.length > 0) {
      circuit?.failed();
    } else {
      circuit?.succeeded();
    }
    res.failed.forEach((f) => failed.set(f.deviceId, f.error));
    return failed;
  }
}
