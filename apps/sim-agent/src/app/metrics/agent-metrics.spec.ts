import { emptyFailureCounts } from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';
import { AgentMetrics, type PartitionFigures } from './agent-metrics';

function partition(): PartitionFigures {
  return {
    connecting: 0,
    open: 0,
    reconnecting: 0,
    due: 0,
    sent: 0,
    acked: 0,
    failures: emptyFailureCounts(),
    ackLatency: new LatencyHistogram(),
    scheduleLag: new LatencyHistogram(),
  };
}

async function sample(m: AgentMetrics, series: string): Promise<number | undefined> {
  const line = (await m.registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('AgentMetrics', () => {
  it('shows running partitions live and keeps their totals once they end, counted once', async () => {
    const m = new AgentMetrics();
    const a = partition();
    const b = partition();
    const endA = m.track({ figures: () => a });
    m.track({ figures: () => b });
    Object.assign(a, { open: 8, reconnecting: 2, due: 10, sent: 9, acked: 7 });
    a.failures.not_connected = 1;
    a.ackLatency.recordMs(3);
    Object.assign(b, { connecting: 5, due: 4, sent: 4, acked: 4 });
    b.ackLatency.recordMs(40);
    expect(await sample(m, 'sim_connections{state="open"}')).toBe(8);
    expect(await sample(m, 'sim_connections{state="connecting"}')).toBe(5);
    expect(await sample(m, 'sim_connections{state="reconnecting"}')).toBe(2);
    expect(await sample(m, 'sim_messages_acked_total')).toBe(11);
    expect(await sample(m, 'sim_publish_ack_seconds_count')).toBe(2);
    expect(await sample(m, 'sim_publish_ack_seconds_bucket{le="0.005"}')).toBe(1);

    endA();
    endA(); // a second call adds nothing
    expect(await sample(m, 'sim_messages_due_total')).toBe(14);
    expect(await sample(m, 'sim_messages_published_total')).toBe(13);
    expect(await sample(m, 'sim_messages_acked_total')).toBe(11);
    expect(await sample(m, 'sim_messages_failed_total{class="not_connected"}')).toBe(1);
    expect(await sample(m, 'sim_messages_failed_total{class="emfile"}')).toBe(0);
    expect(await sample(m, 'sim_publish_ack_seconds_count')).toBe(2);
    expect(await sample(m, 'sim_connections{state="open"}')).toBe(0);
    expect(await sample(m, 'sim_partitions_running')).toBe(1);
    expect(await sample(m, 'sim_partitions_finished_total')).toBe(1);
  });

  it('exports the event-loop delay with the process metrics', async () => {
    const text = await new AgentMetrics().registry.metrics();
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });
});
