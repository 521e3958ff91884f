import { appendFile } from 'node:fs/promises';
import { controlTopic, TelemetryV1 } from '@sousvide/telemetry-schema';

export interface FailsafeOptions {
  maxTempC: number;
  minWater: number;
  cooldownMs: number;
  gatewayId: string;
  auditLogPath: string;
  /** Cross-instance "at most once per cooldown" gate (Redis SET NX PX). */
  tryAcquire: (deviceId: string, cooldownMs: number) => Promise<boolean>;
  publish: (topic: string, payload: string) => Promise<void>;
  log: (obj: Record<string, unknown>, msg: string) => void;
}

type Reason = 'overtemp' | 'low_water';

/**
 * Fail-safe control: telemetry over the safety temperature or under the minimum water level
 * turns the heater off by a QoS 1 command on the device's control topic, at most once per device
 * per cooldown across all instances, with an append-only audit record. Commands are published
 * from a queue drained outside the MQTT message handler.
 */
export class Failsafe {
  private readonly queue: { msg: TelemetryV1; reason: Reason }[] = [];
  private draining = false;
  private audit = Promise.resolve();
  sent = 0;

  constructor(private readonly o: FailsafeOptions) {}

  check(msg: TelemetryV1): void {
    const reason: Reason | undefined =
      msg.tempC > this.o.maxTempC
        ? 'overtemp'
        : msg.waterLevel < this.o.minWater
          ? 'low_water'
          : undefined;
    if (reason) {
      this.queue.push({ msg, reason });
      setImmediate(() => void this.drain());
    }
  }

  /** Resolves when every queued command was sent or skipped and audited. */
  async flush(): Promise<void> {
    await this.drain();
    await this.audit;
  }

  private async drain(): Promise<void> {
    if (this.draining) {
      return;
    }
    this.draining = true;
    try {
      for (let item = this.queue.shift(); item; item = this.queue.shift()) {
        await this.send(item.msg, item.reason);
      }
    } finally {
      this.draining = false;
    }
  }

  private async send(msg: TelemetryV1, reason: Reason): Promise<void> {
    try {
      if (!(await this.o.tryAcquire(msg.deviceId, this.o.cooldownMs))) {
        return;
      }
      const command = { v: 1, cmd: 'failsafe', heaterOn: false, reason, issuedAt: Date.now() };
      const topic = controlTopic(msg.deviceId);
      await this.o.publish(topic, JSON.stringify(command));
      this.sent += 1;
      const record = {
        at: new Date().toISOString(),
        who: this.o.gatewayId,
        what: { topic, command },
        why: {
          reason,
          deviceId: msg.deviceId,
          seq: msg.seq,
          ts: msg.ts,
          tempC: msg.tempC,
          waterLevel: msg.waterLevel,
          limits: { maxTempC: this.o.maxTempC, minWater: this.o.minWater },
        },
      };
      // Appends are chained so records never interleave.
      this.audit = this.audit.then(() =>
        appendFile(this.o.auditLogPath, `${JSON.stringify(record)}\n`),
      );
      await this.audit;
    } catch (err) {
      this.o.log(
        { deviceId: msg.deviceId, err: (err as Error).message },
        'fail-safe command not sent',
      );
    }
  }
}
