import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { ControlPublisher } from '@sousvide/ingest-pipeline';
import { TelemetrySubscriber } from './telemetry-subscriber';

/**
 * Fail-safe commands go out on the subscriber's first connection. The subscriber is looked up when
 * a command is sent, not injected: it feeds the pipeline that raises the commands, so injecting it
 * here would make a cycle.
 */
@Injectable()
export class BrokerControlPublisher implements ControlPublisher {
  constructor(private readonly refs: ModuleRef) {}

  async publish(topic: string, payload: string): Promise<void> {
    const client = this.refs.get(TelemetrySubscriber, { strict: false }).publisher;
    if (!client) {
      throw new Error('no broker connection');
    }
    await client.publishAsync(topic, payload, { qos: 1 });
  }
}
