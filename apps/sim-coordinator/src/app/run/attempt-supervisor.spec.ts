import { Job } from 'bullmq';
import type { PartitionSpec } from '@sousvide/loadtest-contracts';
import {
  agentLostMessage,
  AttemptSupervisor,
  BULLMQ_STALLED_REASON,
  partFailedMessage,
} from './attempt-supervisor';

describe('a failed part names its cause', () => {
  it('says an agent was lost when BullMQ failed its job as stalled, as the lock check does', () => {
    const viaBullmq = partFailedMessage(BULLMQ_STALLED_REASON, 'victim');
    expect(viaBullmq).toMatch(/^agent lost: victim stopped renewing its job lock/);
    expect(viaBullmq.startsWith(agentLostMessage('victim'))).toBe(true);
    expect(partFailedMessage(BULLMQ_STALLED_REASON, undefined)).toMatch(
      /^agent lost: unknown agent stopped renewing its job lock/,
    );
  });

  it("keeps the agent's own reason for any other failure", () => {
    expect(partFailedMessage('connect refused by broker', 'a1')).toBe(
      'agent failed: connect refused by broker',
    );
  });
});

describe('AttemptSupervisor.supervise: progress', () => {
  afterEach(() => jest.restoreAllMocks());

  it('reports the merged progress after every poll, so a once-a-second reader never finds it a second old', async () => {
    // One part that publishes 100 messages per poll for 12 polls (1 ms apart), then completes.
    const polls = 12;
    let poll = 0;
    const progressAt = (n: number) => ({
      phase: 'publishing',
      agentId: 'a1',
      connected: 10,
      connectFailed: 0,
      published: 100 * n,
      failed: 0,
      at: n,
    });
    const queue = {
      getJobState: () => Promise.resolve(++poll > polls ? 'completed' : 'active'),
      toKey: (id: string) => `bull:test:${id}`,
    };
    jest.spyOn(Job, 'fromId').mockImplementation(() =>
      Promise.resolve({
        progress: progressAt(Math.min(poll, polls)),
        returnvalue: poll > polls ? { ...progressAt(polls), scheduled: 1200 } : null,
      } as never),
    );
    const redis = { exists: () => Promise.resolve(1), set: () => Promise.resolve('OK') };
    const seen: number[] = [];
    const supervisor = new AttemptSupervisor(queue as never, redis as never);
    await supervisor.supervise(['job-1'], {
      specs: [{ runId: 'r', attempt: 1, part: 0, connections: 10 } as PartitionSpec],
      deadlineAt: Date.now() + 60_000,
      startDelayMs: 0,
      signal: new AbortController().signal,
      pollMs: 1,
      onProgress: (p) => seen.push(p.published),
    });
    // Every poll's view (12 while active, the last after completion), not one per second.
    expect(seen).toEqual([...Array.from({ length: polls }, (_, i) => 100 * (i + 1)), 1200]);
  });
});
