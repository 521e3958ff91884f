import { Injectable } from '@nestjs/common';
import { HeartbeatStore, InfluxWriter } from '@sousvide/ingest-storage';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';

/**
 * Re-drives decoded messages through the same storage calls as a first delivery. Every kind gets
 * both stages, whatever stage it failed in: both are idempotent, so repeating the one that had
 * succeeded stores nothing twice (Influx overwrites a point with the same measurement, tags and
 * timestamp; the heartbeat is ZADD GT, which never moves last-seen backwards). That one rule also
 * covers a `parse` entry that a schema fix made valid, which never reached either stage.
 */
@Injectable()
export class EntryStorage {
  constructor(
    private readonly influx: InfluxWriter,
    private readonly heartbeat: HeartbeatStore,
  ) {}

  /** Per message: undefined when stored, else the error ("CODE: message"). Never rejects. */
  async store(messages: TelemetryV1[]): Promise<(string | undefined)[]> {
    if (messages.length === 0) {
      return [];
    }
    const [influx, heartbeat] = await Promise.all([
      this.influx.write(messages),
      this.heartbeat.touch(messages.map((m) => ({ deviceId: m.deviceId, ts: m.ts }))),
    ]);
    const influxFailed = new Map<TelemetryV1, string>();
    for (const f of influx.failed) {
      influxFailed.set(f.message, `INFLUX_${f.code}: ${f.error}`);
    }
    // Heartbeats fail per device, as in the gateway's pipeline.
    const redisFailed = new Map<string, string>();
    for (const f of heartbeat.failed) {
      redisFailed.set(f.deviceId, `REDIS: ${f.error}`);
    }
    return messages.map((m) => influxFailed.get(m) ?? redisFailed.get(m.deviceId));
  }
}
