import { connectWindowFor } from '../run/agent-packing';
import { fleetChecks } from './fleet-identities';
import { agentConnectionRoom, PREFLIGHT } from './preflight.constants';
import {
  CheckStatus,
  PreflightCheck,
  PreflightFacts,
  PreflightPlan,
  PreflightReport,
} from './preflight.types';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const mib = (bytes: number): string => `${fmt(bytes / (1024 * 1024))} MiB`;

/** refuse past the limit, warn past `warnShare` of it. */
function grade(need: number, limit: number, warnShare: number = PREFLIGHT.warnShare): CheckStatus {
  return need > limit ? 'refuse' : need > limit * warnShare ? 'warn' : 'ok';
}

/** A check graded by need against limit; the fix is given only when it is not ok. */
function graded(
  name: PreflightCheck['name'],
  need: number,
  limit: number,
  message: string,
  fix: string,
): PreflightCheck {
  const status = grade(need, limit);
  return { name, status, need, limit, message, ...(status === 'ok' ? {} : { fix }) };
}

function agentFds(plan: PreflightPlan, facts: PreflightFacts): PreflightCheck {
  const limit = facts.agentNofile?.hard;
  if (!plan.localAgents || limit === undefined) {
    return {
      name: 'agent-fds',
      status: 'unknown',
      message: 'agent file limit: agents run elsewhere (not checked)',
    };
  }
  const need = plan.maxConnectionsPerAgent + PREFLIGHT.agentFdBase;
  const processes = Math.ceil(plan.totalConnections / Math.max(1, agentConnectionRoom(limit)));
  const fix =
    processes > plan.partitions
      ? `more partitions (--partitions ${processes} or more) and LOADTEST_AGENT_PROCESSES=auto`
      : `more agent processes (LOADTEST_AGENT_PROCESSES=${processes} or auto)`;
  return graded(
    'agent-fds',
    need,
    limit,
    `agent file limit: ${plan.agentProcesses === 1 ? 'the one agent process' : `each of the ${plan.agentProcesses} agent processes`} opens up to ${fmt(plan.maxConnectionsPerAgent)} connections + ${PREFLIGHT.agentFdBase} files = ${fmt(need)} of its nofile limit ${fmt(limit)}`,
    `${fix}, or a higher hard limit (ulimit -Hn) for the shell that starts the coordinator`,
  );
}

function route(plan: PreflightPlan, facts: PreflightFacts): PreflightCheck[] {
  const b = facts.broker;
  if (b === undefined) {
    return [
      {
        name: 'broker-fds',
        status: 'unknown',
        message: `broker file limit: no local process listens on ${plan.brokerIp}:${plan.brokerPort} that this host can see (remote broker, or NAT): not checked`,
      },
    ];
  }
  const limit = b.nofile?.soft;
  if (b.isDockerProxy) {
    const capacity =
      limit === undefined ? undefined : Math.floor(limit / PREFLIGHT.dockerProxyFdsPerConnection);
    const existing = Math.floor((b.openFds ?? 0) / PREFLIGHT.dockerProxyFdsPerConnection);
    const need = plan.totalConnections + existing;
    const status = capacity === undefined ? 'warn' : need > capacity * 0.95 ? 'refuse' : 'warn';
    return [
      {
        name: 'route',
        status,
        need,
        ...(capacity === undefined ? {} : { limit: capacity }),
        message:
          `route: ${plan.brokerIp}:${plan.brokerPort} is served by docker-proxy (pid ${b.pid}, nofile ${limit ?? 'unknown'}): ` +
          `at ${PREFLIGHT.dockerProxyFdsPerConnection} files per connection it carries about ${capacity === undefined ? '?' : fmt(capacity)} connections, ` +
          `then exits and drops them all; this plan needs ${fmt(need)}${existing > 0 ? ` (${fmt(existing)} already open)` : ''}`,
        fix: 'start the stack with STACK_NETWORK=host (tools/stack/up.sh, the default), run dockerd with "userland-proxy": false, or point MQTT_URL at the container address',
      },
    ];
  }
  if (limit === undefined) {
    return [
      {
        name: 'broker-fds',
        status: 'unknown',
        message: `broker file limit: ${b.comm} (pid ${b.pid}) limits unreadable`,
      },
    ];
  }
  const open = b.openFds ?? 0;
  const need = plan.totalConnections + PREFLIGHT.brokerFdBase + open;
  return [
    graded(
      'broker-fds',
      need,
      limit,
      `broker file limit: ${b.comm} (pid ${b.pid}) holds ${fmt(open)} files and gets ${fmt(plan.totalConnections)} connections + ${PREFLIGHT.brokerFdBase} = ${fmt(need)} of its nofile limit ${fmt(limit)}`,
      "raise the broker's limit (docker run --ulimit nofile=N:N; tools/stack/up.sh takes BROKER_NOFILE), or spread the devices over more brokers",
    ),
  ];
}

/**
 * CONNECTs in flight against the broker's accept queue. Past it, whenever the broker falls behind
 * (a busy host, or still closing an earlier run's connections) the kernel drops SYNs and the
 * handshakes wait 1, 3, 7 s for their retransmits. Local agents fit their CONNECT windows to it
 * (connectWindowFor, ADR 0056), so this says what they will keep in flight; a warning only when
 * even one CONNECT per process is more than the backlog.
 */
function acceptQueue(plan: PreflightPlan, facts: PreflightFacts): PreflightCheck[] {
  const broker = facts.broker;
  const window = plan.localAgents ? connectWindowFor(plan.agentProcesses, broker) : undefined;
  if (broker?.backlog === undefined || window === undefined) {
    return [];
  }
  const backlog = broker.backlog;
  const perPartition = Math.min(plan.connectParallelism, plan.maxConnectionsPerPartition);
  const asked = perPartition * Math.ceil(plan.partitions / plan.agentProcesses);
  const inFlight = plan.agentProcesses * Math.min(asked, window);
  const processes = `${plan.agentProcesses} agent process${plan.agentProcesses === 1 ? '' : 'es'}`;
  return [
    {
      name: 'accept-queue',
      status: inFlight > backlog ? 'warn' : 'ok',
      need: inFlight,
      limit: backlog,
      message: `accept queue: ${processes} x ${fmt(Math.min(asked, window))} CONNECTs in flight = ${fmt(inFlight)} against the broker's listen backlog of ${fmt(backlog)} (${plan.partitions} partitions x ${fmt(perPartition)} asked; each process's window ${fmt(window)})`,
      ...(inFlight > backlog
        ? {
            fix: `fewer agent processes (LOADTEST_AGENT_PROCESSES), or a broker with a larger listen backlog`,
          }
        : {}),
    },
  ];
}

/**
 * The broker's CPU before this attempt opened anything. A broker still closing an earlier
 * client's 10k connections answers no CONNECT for seconds: the attempt's connect rate is then
 * the broker's, and the run should say so before it reports one. A warning only.
 */
function brokerBusy(facts: PreflightFacts): PreflightCheck[] {
  const b = facts.broker;
  if (b?.cpu === undefined) {
    return [];
  }
  const { percent, overMs } = b.cpu;
  const limit = PREFLIGHT.brokerBusy.warnPercent;
  const busy = percent >= limit;
  return [
    {
      name: 'broker-busy',
      status: busy ? 'warn' : 'ok',
      need: percent,
      limit,
      message: `broker CPU before any connection of this attempt: ${b.comm} (pid ${b.pid}) used ${percent}% of a core over ${fmt(overMs)} ms${busy ? ": still closing an earlier client's connections, or other work; connects will wait for it, and the connect rate will be the broker's, not the agents'" : ''}`,
      ...(busy
        ? {
            fix: 'start the attempt once the broker is idle (a 10k-connection client that just exited can keep it busy for seconds), or give the broker a core of its own',
          }
        : {}),
    },
  ];
}

function ports(plan: PreflightPlan, facts: PreflightFacts): PreflightCheck[] {
  const range = facts.portRange;
  if (!plan.localAgents || range === undefined) {
    return [
      {
        name: 'ports',
        status: 'unknown',
        message: 'ephemeral ports: agents run elsewhere or the port range is unknown (not checked)',
      },
    ];
  }
  const usable = range.high - range.low + 1 - range.reserved;
  const t = facts.towardsBroker;
  const dest = `${plan.brokerIp}:${plan.brokerPort}`;
  const checks: PreflightCheck[] = [];
  if (plan.sourceAddresses.length === 0) {
    const loopback = plan.brokerIp.startsWith('127.') || plan.brokerIp === '::1';
    const twReusable = facts.twReuse === 1 || (facts.twReuse === 2 && loopback);
    const inUse = t.open + (twReusable ? 0 : t.timeWait);
    checks.push(
      graded(
        'ports',
        plan.totalConnections,
        usable - inUse,
        `ephemeral ports towards ${dest}: ${fmt(plan.totalConnections)} connections from one source address, ${fmt(usable)} ports (${range.low}-${range.high}) minus ${fmt(inUse)} in use${twReusable ? '' : ' or in TIME_WAIT'}`,
        'fewer connections per broker address, a broker on 127.x (agents then spread over loopback source addresses), or wait for TIME_WAIT to clear (60 s)',
      ),
    );
    if (!twReusable && t.timeWait >= PREFLIGHT.timeWaitWarn) {
      checks.push({
        name: 'time-wait',
        status: 'warn',
        need: t.timeWait,
        limit: PREFLIGHT.timeWaitWarn,
        message: `${fmt(t.timeWait)} sockets towards ${dest} are in TIME_WAIT (an earlier run's, for up to 60 s): connect() searches past them, so the connect rate drops`,
        fix: 'wait a minute between large runs, or use a broker on 127.x so the agents spread over fresh loopback source addresses',
      });
    }
    return checks;
  }
  const busiest = Math.max(
    0,
    ...plan.sourceAddresses.map((a) => (t.bySource[a]?.open ?? 0) + (t.bySource[a]?.timeWait ?? 0)),
  );
  checks.push(
    graded(
      'ports',
      plan.maxConnectionsPerSource,
      usable - busiest,
      `ephemeral ports towards ${dest}: at most ${fmt(plan.maxConnectionsPerSource)} connections per source address over ${plan.sourceAddresses.length} loopback addresses, ${fmt(usable)} ports each${busiest > 0 ? ` (${fmt(busiest)} already taken)` : ''}`,
      'more partitions (each gets its own source addresses)',
    ),
  );
  return checks;
}

function memory(plan: PreflightPlan, facts: PreflightFacts): PreflightCheck {
  const available = facts.memAvailableBytes;
  if (available === undefined || (!plan.localAgents && facts.broker === undefined)) {
    return {
      name: 'memory',
      status: 'unknown',
      message: 'memory: MemAvailable unknown or nothing of this run lives here (not checked)',
    };
  }
  const m = PREFLIGHT.memory;
  const agents = plan.localAgents
    ? plan.agentProcesses * m.agentBaseBytes +
      plan.totalConnections * m.agentBytesPerConnection[plan.model]
    : 0;
  const broker =
    facts.broker && !facts.broker.isDockerProxy
      ? plan.totalConnections * m.brokerBytesPerConnection
      : 0;
  const need = agents + broker;
  const status: CheckStatus =
    need > available * m.refuseShare ? 'refuse' : need > available * m.warnShare ? 'warn' : 'ok';
  return {
    name: 'memory',
    status,
    need,
    limit: available,
    message:
      `memory: ${plan.localAgents ? `${plan.agentProcesses} agents (${mib(m.agentBaseBytes)} each) + ${fmt(plan.totalConnections)} ${plan.model} connections x ${fmt(m.agentBytesPerConnection[plan.model] / 1024)} KiB` : 'no local agents'}` +
      `${broker > 0 ? ` + broker ${fmt(m.brokerBytesPerConnection / 1024)} KiB per connection` : ''} = ${mib(need)} of MemAvailable ${mib(available)}`,
    ...(status === 'ok'
      ? {}
      : {
          fix: 'fewer connections or agent processes on this host, the lean model, or agents on other hosts (--agents external)',
        }),
  };
}

/** Judges a plan against the machine: pure, so every threshold is unit-tested. */
export function evaluatePreflight(plan: PreflightPlan, facts: PreflightFacts): PreflightReport {
  const checks = [
    agentFds(plan, facts),
    ...route(plan, facts),
    ...acceptQueue(plan, facts),
    ...brokerBusy(facts),
    ...ports(plan, facts),
    memory(plan, facts),
    ...fleetChecks(plan, facts.fleet),
  ];
  return {
    attempt: plan.attempt,
    refused: checks.some((c) => c.status === 'refuse'),
    warnings: checks.filter((c) => c.status === 'warn').length,
    checks,
    plan,
    facts,
  };
}
