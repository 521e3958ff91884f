import {
  addFailureCounts,
  emptyFailureCounts,
  FAILURE_CLASSES,
  type FailureCounts,
} from '@sousvide/loadtest-contracts';
import { LatencyMetric, processRegistry, scrapeCounter, scrapeGauge } from '@sousvide/platform';
import type { LatencyHistogram } from '@sousvide/shared-util';

/** A running partition's figures so far, read (never kept) at each scrape. */
export interface PartitionFigures {
  /** Devices whose first connect has not ended yet (queued or in flight). */
  connecting: number;
  open: number;
  /** Devices that lost their connection and are not back yet. */
  reconnecting: number;
  due: number;
  /** Handed to a connected client. */
  sent: number;
  acked: number;
  failures: FailureCounts;
  ackLatency: LatencyHistogram;
  scheduleLag: LatencyHistogram;
}

type Totals = Pick<PartitionFigures, 'due' | 'sent' | 'acked'>;

/**
 * This agent process on /metrics: the partitions it runs now plus those it finished, so the
 * counters only grow over the process's life. No label names a device, run or partition (a
 * series per device would be thousands per agent; the coordinator exports the runs).
 */
export class AgentMetrics {
  readonly registry = processRegistry();
  private readonly running = new Set<{ figures(): PartitionFigures }>();
  private readonly done: Totals & { partitions: number } = {
    due: 0,
    sent: 0,
    acked: 0,
    partitions: 0,
  };
  private readonly doneFailures = emptyFailureCounts();
  private readonly ackLatency = this.histogram(
    'sim_publish_ack_seconds',
    'publish to acknowledgement (QoS 0: to the socket write) of messages acked',
    'ackLatency',
  );
  private readonly scheduleLag = this.histogram(
    'sim_schedule_lag_seconds',
    'how late each message was sent against its open-loop schedule',
    'scheduleLag',
  );

  constructor() {
    const r = this.registry;
    scrapeGauge(
      r,
      'sim_connections',
      'simulated devices by connection state',
      () => this.connections(),
      'state',
    );
    scrapeCounter(r, 'sim_messages_due_total', 'messages whose send time came', () =>
      this.total('due'),
    );
    scrapeCounter(r, 'sim_messages_published_total', 'messages handed to a connected client', () =>
      this.total('sent'),
    );
    scrapeCounter(
      r,
      'sim_messages_acked_total',
      'messages acknowledged (QoS 1/2) or written (QoS 0)',
      () => this.total('acked'),
    );
    scrapeCounter(
      r,
      'sim_messages_failed_total',
      'messages failed, by failure class',
      () => this.failures(),
      'class',
    );
    scrapeGauge(
      r,
      'sim_partitions_running',
      'partitions this agent runs now',
      () => this.running.size,
    );
    scrapeCounter(
      r,
      'sim_partitions_finished_total',
      'partitions this agent finished',
      () => this.done.partitions,
    );
  }

  /** Shows a partition while it runs; the returned function moves its final figures to the totals. */
  track(partition: { figures(): PartitionFigures }): () => void {
    this.running.add(partition);
    return () => {
      if (!this.running.delete(partition)) {
        return;
      }
      const f = partition.figures();
      this.done.due += f.due;
      this.done.sent += f.sent;
      this.done.acked += f.acked;
      this.done.partitions += 1;
      addFailureCounts(this.doneFailures, f.failures);
      this.ackLatency.add(f.ackLatency);
      this.scheduleLag.add(f.scheduleLag);
    };
  }

  private figures(): PartitionFigures[] {
    return [...this.running].map((p) => p.figures());
  }

  private total(key: keyof Totals): number {
    return this.figures().reduce((sum, f) => sum + f[key], this.done[key]);
  }

  private failures(): [string, number][] {
    const all = addFailureCounts(emptyFailureCounts(), this.doneFailures);
    for (const f of this.figures()) {
      addFailureCounts(all, f.failures);
    }
    return FAILURE_CLASSES.map((c) => [c, all[c]]);
  }

  private connections(): [string, number][] {
    const sum = (k: 'open' | 'connecting' | 'reconnecting'): number =>
      this.figures().reduce((n, f) => n + f[k], 0);
    return [
      ['open', sum('open')],
      ['connecting', sum('connecting')],
      ['reconnecting', sum('reconnecting')],
    ];
  }

  private histogram(name: string, help: string, key: 'ackLatency' | 'scheduleLag') {
    return new LatencyMetric(this.registry, name, help, undefined, () =>
      this.figures().map((f) => ['', f[key]] as const),
    );
  }
}
