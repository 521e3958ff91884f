import type { Queue } from 'bullmq';
import type { DeviceAccounting } from '@sousvide/loadtest-contracts';
import {
  DeviceSequences,
  diffSnapshots,
  dlqCensus,
  RunCounters,
  type IngestSnapshot,
} from '@sousvide/run-accounting';

/**
 * Reads the gateways' per-run counters (summed in Redis over every instance). An attempt's view
 * is the difference between a snapshot taken before dispatch and one after the drain window.
 */
export class BusinessSummaryCollector {
  constructor(
    private readonly counters: RunCounters,
    private readonly dlq: Queue,
    private readonly devices: DeviceSequences,
  ) {}

  /** Which devices lost, duplicated or reordered messages in the run so far (ADR 0020). */
  deviceAccounting(runId: string): Promise<DeviceAccounting> {
    return this.devices.summary(runId);
  }

  /** The run's entries in the DLQ now, failed at or after `sinceMs` (one attempt's). */
  async dlqEntries(runId: string, sinceMs = 0): Promise<number> {
    return (await dlqCensus(this.dlq, runId, sinceMs)).total;
  }

  /** Counters and histogram of the run at one instant (one MULTI). */
  snapshot(runId: string): Promise<IngestSnapshot> {
    return this.counters.read(runId);
  }

  /**
   * Waits until the gateways have received everything the agents published, or nothing changed
   * for `quietMs`, or `drainMs` passed. Undefined when no gateway counted anything for the run.
   */
  async collect(
    runId: string,
    before: IngestSnapshot,
    publishedTotal: number,
    drainMs: number,
    quietMs = 3000,
  ): Promise<IngestSnapshot | undefined> {
    const deadline = Date.now() + drainMs;
    let last = -1;
    let lastChange = Date.now();
    let delta = diffSnapshots(await this.snapshot(runId), before);
    while (Date.now() < deadline) {
      const recv = delta.counts.recv_total;
      if (recv >= publishedTotal && recv > 0) {
        break;
      }
      if (recv !== last) {
        last = recv;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > quietMs) {
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
      delta = diffSnapshots(await this.snapshot(runId), before);
    }
    return delta.counts.recv_total > 0 ? delta : undefined;
  }
}
