import { agentLostMessage, BULLMQ_STALLED_REASON, partFailedMessage } from './attempt-supervisor';

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
