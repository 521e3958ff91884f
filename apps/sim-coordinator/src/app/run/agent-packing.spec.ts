import { splitConnections } from '@sousvide/loadtest-contracts';
import { AGENT_PROCESS_MSG_RATE, connectWindowFor, packAgents } from './agent-packing';

const parts = (total: number, partitions: number) => splitConnections(total, partitions);
// The runbook's rate: every device publishes once a second.
const LEAN_1 = { model: 'lean', mps: 1 } as const;

describe('packAgents', () => {
  it('auto: the runbook PR2 (10,000 lean devices at 1 msg/s over 8 partitions) is one process of all 8', () => {
    expect(packAgents(parts(10_000, 8), 'auto', { cores: 2, nofile: 20_000 }, LEAN_1)).toEqual({
      processes: 1,
      partitionsPerProcess: 8,
      maxConnectionsPerProcess: 10_000,
    });
  });

  it('auto: one process per AGENT_PROCESS_MSG_RATE of publishes, at most one per core', () => {
    // 10,000 devices at 3 msg/s is 30,000 msg/s: two lean processes (20,000 each), 3 for mqttjs
    // (10,000 each) but only 2 cores.
    expect(AGENT_PROCESS_MSG_RATE).toEqual({ lean: 20_000, mqttjs: 10_000 });
    const pr2 = parts(10_000, 8);
    expect(
      packAgents(pr2, 'auto', { cores: 2, nofile: 20_000 }, { model: 'lean', mps: 3 }),
    ).toMatchObject({ processes: 2, partitionsPerProcess: 4 });
    expect(
      packAgents(pr2, 'auto', { cores: 4, nofile: 20_000 }, { model: 'mqttjs', mps: 3 }),
    ).toMatchObject({ processes: 3 });
    expect(
      packAgents(pr2, 'auto', { cores: 2, nofile: 20_000 }, { model: 'mqttjs', mps: 3 }),
    ).toMatchObject({ processes: 2 });
    // mqttjs at the runbook's 10,000 msg/s is one process's budget exactly; one device more is two.
    expect(
      packAgents(pr2, 'auto', { cores: 2, nofile: 20_000 }, { model: 'mqttjs', mps: 1 }),
    ).toMatchObject({ processes: 1 });
    expect(
      packAgents(
        parts(10_001, 8),
        'auto',
        { cores: 2, nofile: 20_000 },
        { model: 'mqttjs', mps: 1 },
      ),
    ).toMatchObject({ processes: 2 });
  });

  it('auto: never more processes than partitions', () => {
    expect(packAgents(parts(200, 1), 'auto', { cores: 8, nofile: 20_000 }, LEAN_1)).toMatchObject({
      processes: 1,
      partitionsPerProcess: 1,
    });
  });

  it('auto: adds processes when one would not fit the file limit with the preflight margin', () => {
    // 40,000 over 8: 2 processes would hold 20,000 each, past 80 % of 20,000 files; 3 of up to
    // 3 partitions hold at most 15,000.
    const p = packAgents(parts(40_000, 8), 'auto', { cores: 2, nofile: 20_000 }, LEAN_1);
    expect(p).toEqual({ processes: 3, partitionsPerProcess: 3, maxConnectionsPerProcess: 15_000 });
    expect(p.maxConnectionsPerProcess + 64).toBeLessThanOrEqual(20_000 * 0.8);
  });

  it('auto: with no file limit known, the publish rate alone decides', () => {
    expect(packAgents(parts(40_000, 8), 'auto', { cores: 2 }, LEAN_1)).toMatchObject({
      processes: 2,
    });
    expect(packAgents(parts(10_000, 8), 'auto', { cores: 2 }, LEAN_1)).toMatchObject({
      processes: 1,
    });
  });

  it('auto: stays within the agent contract of 64 partitions per process', () => {
    expect(packAgents(parts(256, 256), 'auto', { cores: 1, nofile: 20_000 }, LEAN_1)).toMatchObject(
      {
        processes: 4,
        partitionsPerProcess: 64,
      },
    );
  });

  it('a number is taken as asked, at most one process per partition (the old layout)', () => {
    expect(packAgents(parts(10_000, 8), 8, { cores: 2, nofile: 20_000 }, LEAN_1)).toMatchObject({
      processes: 8,
      partitionsPerProcess: 1,
      maxConnectionsPerProcess: 1250,
    });
    expect(packAgents(parts(10_000, 8), 99, { cores: 2 }, LEAN_1)).toMatchObject({ processes: 8 });
    // A number is not raised for the file limit: the preflight refuses it, naming the fix.
    expect(packAgents(parts(40_000, 8), 1, { cores: 2, nofile: 20_000 }, LEAN_1)).toMatchObject({
      processes: 1,
      maxConnectionsPerProcess: 40_000,
    });
  });

  it('starts no process that would get no partition, and counts the largest partitions together', () => {
    // 5 partitions over 4 wanted: 2 each, so 3 processes carry them.
    expect(packAgents([3, 3, 2, 2, 2], 4, { cores: 2 }, LEAN_1)).toEqual({
      processes: 3,
      partitionsPerProcess: 2,
      maxConnectionsPerProcess: 6,
    });
  });
});

describe('connectWindowFor', () => {
  it("shares a local broker's listen backlog among the agent processes", () => {
    expect(connectWindowFor(1, { backlog: 100, isDockerProxy: false })).toBe(100);
    expect(connectWindowFor(3, { backlog: 100, isDockerProxy: false })).toBe(33);
    expect(connectWindowFor(200, { backlog: 100, isDockerProxy: false })).toBe(1);
  });

  it('leaves the agents their own bound when the backlog is unknown or a proxy answers', () => {
    expect(connectWindowFor(1, undefined)).toBeUndefined();
    expect(connectWindowFor(1, { isDockerProxy: false })).toBeUndefined();
    expect(connectWindowFor(1, { backlog: 4096, isDockerProxy: true })).toBeUndefined();
  });
});
