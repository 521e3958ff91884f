import { splitConnections } from '@sousvide/loadtest-contracts';
import { packAgents } from './agent-packing';

const parts = (total: number, partitions: number) => splitConnections(total, partitions);

describe('packAgents', () => {
  it('auto: the runbook PR2 (10,000 over 8 partitions) on 2 cores is 2 processes of 4 partitions', () => {
    expect(packAgents(parts(10_000, 8), 'auto', { cores: 2, nofile: 20_000 })).toEqual({
      processes: 2,
      partitionsPerProcess: 4,
      maxConnectionsPerProcess: 5000,
    });
  });

  it('auto: never more processes than partitions', () => {
    expect(packAgents(parts(200, 1), 'auto', { cores: 8, nofile: 20_000 })).toMatchObject({
      processes: 1,
      partitionsPerProcess: 1,
    });
  });

  it('auto: adds processes when one would not fit the file limit with the preflight margin', () => {
    // 40,000 over 8: 2 processes would hold 20,000 each, past 80 % of 20,000 files; 3 of up to
    // 3 partitions hold at most 15,000.
    const p = packAgents(parts(40_000, 8), 'auto', { cores: 2, nofile: 20_000 });
    expect(p).toEqual({ processes: 3, partitionsPerProcess: 3, maxConnectionsPerProcess: 15_000 });
    expect(p.maxConnectionsPerProcess + 64).toBeLessThanOrEqual(20_000 * 0.8);
  });

  it('auto: with no file limit known, one process per core', () => {
    expect(packAgents(parts(40_000, 8), 'auto', { cores: 2 })).toMatchObject({ processes: 2 });
  });

  it('auto: stays within the agent contract of 64 partitions per process', () => {
    expect(packAgents(parts(256, 256), 'auto', { cores: 1, nofile: 20_000 })).toMatchObject({
      processes: 4,
      partitionsPerProcess: 64,
    });
  });

  it('a number is taken as asked, at most one process per partition (the old layout)', () => {
    expect(packAgents(parts(10_000, 8), 8, { cores: 2, nofile: 20_000 })).toMatchObject({
      processes: 8,
      partitionsPerProcess: 1,
      maxConnectionsPerProcess: 1250,
    });
    expect(packAgents(parts(10_000, 8), 99, { cores: 2 })).toMatchObject({ processes: 8 });
    // A number is not raised for the file limit: the preflight refuses it, naming the fix.
    expect(packAgents(parts(40_000, 8), 1, { cores: 2, nofile: 20_000 })).toMatchObject({
      processes: 1,
      maxConnectionsPerProcess: 40_000,
    });
  });

  it('starts no process that would get no partition, and counts the largest partitions together', () => {
    // 5 partitions over 4 wanted: 2 each, so 3 processes carry them.
    expect(packAgents([3, 3, 2, 2, 2], 4, { cores: 2 })).toEqual({
      processes: 3,
      partitionsPerProcess: 2,
      maxConnectionsPerProcess: 6,
    });
  });
});
