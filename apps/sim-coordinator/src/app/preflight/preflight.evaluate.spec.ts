import { evaluatePreflight } from './preflight.evaluate';
import { PreflightFacts, PreflightPlan } from './preflight.types';

const GiB = 1024 ** 3;

function plan(over: Partial<PreflightPlan> = {}): PreflightPlan {
  return {
    attempt: 1,
    brokerUrl: 'mqtt://127.0.0.1:1883',
    brokerIp: '127.0.0.1',
    brokerPort: 1883,
    model: 'lean',
    totalConnections: 10_000,
    partitions: 8,
    maxConnectionsPerPartition: 1250,
    // LOADTEST_AGENT_PROCESSES=auto on 2 cores: 2 processes of 4 partitions.
    agentProcesses: 2,
    maxConnectionsPerAgent: 5000,
    connectParallelism: 120,
    localAgents: true,
    sourceAddresses: [],
    maxConnectionsPerSource: 10_000,
    ...over,
  };
}

/** A host-network Mosquitto with the stack's file limit. */
const MOSQUITTO: NonNullable<PreflightFacts['broker']> = {
  pid: 7,
  comm: 'mosquitto',
  nofile: { soft: 20_000, hard: 20_000 },
  openFds: 10,
  sameNetns: true,
  isDockerProxy: false,
};

function facts(over: Partial<PreflightFacts> = {}): PreflightFacts {
  return {
    agentNofile: { soft: 20_000, hard: 20_000 },
    broker: MOSQUITTO,
    portRange: { low: 32768, high: 60999, reserved: 0 },
    twReuse: 2,
    towardsBroker: { open: 0, timeWait: 0, bySource: {} },
    memAvailableBytes: 20 * GiB,
    ...over,
  };
}

const check = (r: ReturnType<typeof evaluatePreflight>, name: string) =>
  r.checks.find((c) => c.name === name);

describe('evaluatePreflight', () => {
  it('passes the runbook PR2 plan on a 20,000-file, 20 GiB host with a host-network broker', () => {
    const r = evaluatePreflight(plan(), facts());
    expect(r.refused).toBe(false);
    expect(r.warnings).toBe(0);
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([
      ['agent-fds', 'ok'],
      ['broker-fds', 'ok'],
      ['ports', 'ok'],
      ['memory', 'ok'],
    ]);
  });

  it('refuses more connections per agent than its file limit and names limit, figure and fix', () => {
    const r = evaluatePreflight(
      plan({
        partitions: 1,
        maxConnectionsPerPartition: 25_000,
        agentProcesses: 1,
        maxConnectionsPerAgent: 25_000,
        totalConnections: 25_000,
      }),
      facts({ broker: undefined }),
    );
    const c = check(r, 'agent-fds');
    expect(r.refused).toBe(true);
    expect(c).toMatchObject({ status: 'refuse', need: 25_064, limit: 20_000 });
    expect(c?.message).toContain('nofile limit 20,000');
    expect(c?.fix).toContain('--partitions 2');
  });

  it('counts the connections of every partition an agent process runs, and names the processes as the fix', () => {
    // 8 partitions of 3,750 packed into one process (LOADTEST_AGENT_PROCESSES=1): 30,000 files.
    const r = evaluatePreflight(
      plan({
        totalConnections: 30_000,
        maxConnectionsPerPartition: 3750,
        agentProcesses: 1,
        maxConnectionsPerAgent: 30_000,
      }),
      facts({ broker: undefined }),
    );
    const c = check(r, 'agent-fds');
    expect(c).toMatchObject({ status: 'refuse', need: 30_064, limit: 20_000 });
    expect(c?.message).toContain('the one agent process opens up to 30,000 connections');
    expect(c?.fix).toContain('LOADTEST_AGENT_PROCESSES=2 or auto');
  });

  it('warns when an agent comes within 80 % of its file limit', () => {
    const r = evaluatePreflight(
      plan({
        partitions: 1,
        maxConnectionsPerPartition: 17_000,
        agentProcesses: 1,
        maxConnectionsPerAgent: 17_000,
        totalConnections: 17_000,
      }),
      facts(),
    );
    expect(check(r, 'agent-fds')?.status).toBe('warn');
    expect(r.refused).toBe(false);
  });

  it('refuses a broker whose file limit cannot hold the connections plus what it already holds', () => {
    const r = evaluatePreflight(
      plan(),
      facts({
        broker: { ...MOSQUITTO, nofile: { soft: 8192, hard: 8192 }, openFds: 40, sameNetns: false },
      }),
    );
    expect(check(r, 'broker-fds')).toMatchObject({ status: 'refuse', need: 10_104, limit: 8192 });
    expect(check(r, 'broker-fds')?.fix).toContain('--ulimit nofile');
  });

  it('refuses a plan past what docker-proxy carries and warns about it below that', () => {
    const proxy = {
      pid: 9,
      comm: 'docker-proxy',
      nofile: { soft: 20_000, hard: 20_000 },
      openFds: 12,
      sameNetns: true,
      isDockerProxy: true,
    };
    const big = evaluatePreflight(plan({ totalConnections: 5000 }), facts({ broker: proxy }));
    expect(check(big, 'route')).toMatchObject({ status: 'refuse', need: 5002, limit: 3333 });
    expect(check(big, 'route')?.fix).toContain('STACK_NETWORK=host');
    const small = evaluatePreflight(
      plan({ totalConnections: 200, maxConnectionsPerPartition: 200 }),
      facts({ broker: proxy }),
    );
    expect(check(small, 'route')?.status).toBe('warn');
    expect(small.refused).toBe(false);
  });

  it('counts TIME_WAIT against the ports of a non-loopback broker and warns about the slower connect', () => {
    const towards = { open: 100, timeWait: 20_000, bySource: {} };
    const r = evaluatePreflight(
      plan({ brokerIp: '172.17.0.2' }),
      facts({ twReuse: 2, towardsBroker: towards }),
    );
    expect(check(r, 'ports')).toMatchObject({
      status: 'refuse',
      need: 10_000,
      limit: 28_232 - 20_100,
    });
    expect(check(r, 'time-wait')).toMatchObject({ status: 'warn', need: 20_000 });
  });

  it('does not count TIME_WAIT on loopback, where tcp_tw_reuse=2 lets connect() reuse those ports', () => {
    const r = evaluatePreflight(
      plan(),
      facts({ towardsBroker: { open: 0, timeWait: 20_000, bySource: {} } }),
    );
    expect(check(r, 'ports')?.status).toBe('ok');
    expect(check(r, 'time-wait')).toBeUndefined();
  });

  it('judges ports per source address when the devices spread over loopback aliases', () => {
    const sources = ['127.9.9.1', '127.9.9.2'];
    const r = evaluatePreflight(
      plan({ sourceAddresses: sources, maxConnectionsPerSource: 5000 }),
      facts({
        towardsBroker: {
          open: 0,
          timeWait: 25_000,
          bySource: { '127.9.9.2': { open: 0, timeWait: 25_000 } },
        },
      }),
    );
    expect(check(r, 'ports')).toMatchObject({ status: 'refuse', need: 5000, limit: 3232 });
  });

  it("fits the local agents' CONNECTs in flight to the broker's accept queue", () => {
    const broker = { ...MOSQUITTO, backlog: 100 };
    // PR2: 8 partitions x 120 asked, on 2 processes: each gets half the backlog as its window.
    const pr2 = check(evaluatePreflight(plan(), facts({ broker })), 'accept-queue');
    expect(pr2).toMatchObject({ status: 'ok', need: 100, limit: 100 });
    expect(pr2?.message).toContain('2 agent processes x 50 CONNECTs in flight = 100');
    expect(pr2?.message).toContain('8 partitions x 120 asked');
    // Fewer asked than the window: what was asked is what flies.
    const gentle = check(
      evaluatePreflight(
        plan({
          partitions: 1,
          agentProcesses: 1,
          connectParallelism: 40,
          maxConnectionsPerPartition: 200,
        }),
        facts({ broker }),
      ),
      'accept-queue',
    );
    expect(gentle).toMatchObject({ status: 'ok', need: 40 });
    // More processes than the backlog has room for: one CONNECT each is still too many.
    const crowded = check(
      evaluatePreflight(
        plan({ partitions: 8, agentProcesses: 8 }),
        facts({ broker: { ...MOSQUITTO, backlog: 4 } }),
      ),
      'accept-queue',
    );
    expect(crowded).toMatchObject({ status: 'warn', need: 8, limit: 4 });
    expect(crowded?.fix).toContain('LOADTEST_AGENT_PROCESSES');
  });

  it('says nothing of the accept queue for external agents or behind a proxy', () => {
    const broker = { ...MOSQUITTO, backlog: 100 };
    expect(
      check(evaluatePreflight(plan({ localAgents: false }), facts({ broker })), 'accept-queue'),
    ).toBeUndefined();
    expect(
      check(
        evaluatePreflight(plan(), facts({ broker: { ...broker, isDockerProxy: true } })),
        'accept-queue',
      ),
    ).toBeUndefined();
  });

  it('refuses a plan needing more than 90 % of MemAvailable and warns above 60 %', () => {
    const mqttjs = plan({
      model: 'mqttjs',
      totalConnections: 100_000,
      partitions: 20,
      maxConnectionsPerPartition: 5000,
      agentProcesses: 20,
      maxConnectionsPerAgent: 5000,
    });
    expect(
      check(evaluatePreflight(mqttjs, facts({ memAvailableBytes: 4 * GiB })), 'memory')?.status,
    ).toBe('refuse');
    expect(
      check(evaluatePreflight(mqttjs, facts({ memAvailableBytes: 12 * GiB })), 'memory')?.status,
    ).toBe('warn');
    expect(
      check(evaluatePreflight(mqttjs, facts({ memAvailableBytes: 40 * GiB })), 'memory')?.status,
    ).toBe('ok');
  });

  it('leaves what it cannot know as unknown instead of guessing', () => {
    const r = evaluatePreflight(
      plan({ localAgents: false, brokerIp: '10.1.2.3' }),
      facts({ broker: undefined }),
    );
    expect(r.checks.map((c) => [c.name, c.status])).toEqual([
      ['agent-fds', 'unknown'],
      ['broker-fds', 'unknown'],
      ['ports', 'unknown'],
      ['memory', 'unknown'],
    ]);
    expect(r.refused).toBe(false);
  });
  it('warns when the broker is already busy before any connection, and names the figure and the fix', () => {
    const busy = evaluatePreflight(
      plan(),
      facts({ broker: { ...MOSQUITTO, cpu: { percent: 98.2, overMs: 503 } } }),
    );
    const c = check(busy, 'broker-busy');
    expect(c).toMatchObject({ status: 'warn', need: 98.2, limit: 25 });
    expect(c?.message).toContain('mosquitto (pid 7) used 98.2% of a core over 503 ms');
    expect(c?.message).toContain("the connect rate will be the broker's");
    expect(c?.fix).toContain('once the broker is idle');
    expect(busy.warnings).toBe(1);
    expect(busy.refused).toBe(false);

    const idle = check(
      evaluatePreflight(
        plan(),
        facts({ broker: { ...MOSQUITTO, cpu: { percent: 1.9, overMs: 501 } } }),
      ),
      'broker-busy',
    );
    expect(idle).toMatchObject({ status: 'ok', need: 1.9 });
    expect(idle?.fix).toBeUndefined();
  });

  it('has no broker-busy check when the broker CPU was not sampled (remote broker, docker-proxy)', () => {
    expect(check(evaluatePreflight(plan(), facts()), 'broker-busy')).toBeUndefined();
    expect(
      check(evaluatePreflight(plan(), facts({ broker: undefined })), 'broker-busy'),
    ).toBeUndefined();
  });
});
