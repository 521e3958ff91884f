import { emptyFailureCounts, emptyReconnectStats } from '@sousvide/loadtest-contracts';
import { connectFailureLine, reconnectsLine } from './partition-log';

describe('partition log lines', () => {
  it('tells the first refusal of each CONNACK reason and counts every one', () => {
    const rejections: Record<string, number> = {};
    const failures = emptyFailureCounts();
    const lines = [
      ['sv-1', 'Not authorized'],
      ['sv-2', 'Not authorized'],
      ['sv-3', 'Bad user name or password'],
    ].map(([id, reason]) =>
      connectFailureLine(id, 'connack_rejected', new Error(reason), rejections, failures),
    );
    expect(lines).toEqual([
      'device sv-1: Not authorized',
      undefined,
      'device sv-3: Bad user name or password',
    ]);
    expect(rejections).toEqual({ 'Not authorized': 2, 'Bad user name or password': 1 });
  });

  it('tells the first failure of another class only, with its error as given', () => {
    const failures = emptyFailureCounts();
    expect(connectFailureLine('sv-1', 'connect_timeout', 'no CONNACK', {}, failures)).toBe(
      'device sv-1: connect failed (connect_timeout): no CONNACK',
    );
    failures.connect_timeout = 1;
    expect(connectFailureLine('sv-2', 'connect_timeout', new Error('x'), {}, failures)).toBe(
      undefined,
    );
  });

  it('has no reconnect line for a partition that lost no connection', () => {
    expect(reconnectsLine(emptyReconnectStats())).toBeUndefined();
    expect(reconnectsLine({ ...emptyReconnectStats(), lost: 2, succeeded: 1 })).toMatch(
      /^reconnects lost=2 back=1 /,
    );
  });
});
