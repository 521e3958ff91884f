import { Inject, Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { PartitionSpec, RunSpec } from '@sousvide/loadtest-contracts';
import { brokerHostOf, brokerPortOf } from '@sousvide/shared-util';
import { canonicalIp } from '../host/proc-files';
import { COORDINATOR_ENV, type CoordinatorEnv } from '../config/env.schema';
import { readFleetFacts } from './fleet-identities';
import { evaluatePreflight } from './preflight.evaluate';
import { PREFLIGHT } from './preflight.constants';
import { probePreflightFacts, sampleBrokerCpu } from './preflight.probe';
import { PreflightReport } from './preflight.types';
import type { AgentPacking } from '../run/agent-packing';

export interface AttemptPlanInput {
  spec: RunSpec;
  attempt: number;
  /** The attempt's partitions as they would be enqueued (connections, source addresses). */
  parts: readonly PartitionSpec[];
  localAgents: boolean;
  /** The local agent processes (with localAgents). */
  packing?: AgentPacking;
}

/**
 * Checks an attempt's plan against this machine before any connection is opened: file limits of
 * the agents and the broker, docker-proxy on the route, ephemeral ports towards the broker,
 * memory, and whether the broker is already busy (its CPU over half a second); and with
 * FLEET_MANIFEST_FILE, the run's device identities and fleet secret. The probes read /proc and
 * the manifest; the judgement is evaluatePreflight's.
 */
@Injectable()
export class PreflightService {
  constructor(@Inject(COORDINATOR_ENV) private readonly env: CoordinatorEnv) {}

  async check(input: AttemptPlanInput): Promise<PreflightReport> {
    const url = new URL(input.spec.brokerUrl);
    const brokerPort = brokerPortOf(url);
    const host = brokerHostOf(url);
    const brokerIp = canonicalIp(
      await lookup(host, { family: 4 }).then(
        (r) => r.address,
        () => host,
      ),
    );
    const counts = input.parts.map((p) => p.connections);
    const sources = input.parts.map((p) => p.sourceAddresses ?? []);
    const plan = {
      attempt: input.attempt,
      brokerUrl: input.spec.brokerUrl,
      brokerIp,
      brokerPort,
      model: input.spec.model,
      totalConnections: input.spec.totalConnections,
      partitions: counts.length,
      maxConnectionsPerPartition: Math.max(...counts),
      agentProcesses: input.packing?.processes ?? counts.length,
      maxConnectionsPerAgent: input.packing?.maxConnectionsPerProcess ?? Math.max(...counts),
      connectParallelism: Math.max(...input.parts.map((p) => p.connectParallelism)),
      localAgents: input.localAgents,
      sourceAddresses: sources.flat(),
      maxConnectionsPerSource: Math.max(
        0,
        ...counts.map((n, i) => Math.ceil(n / Math.max(1, sources[i].length))),
      ),
    };
    const manifest = this.env.FLEET_MANIFEST_FILE;
    const facts = probePreflightFacts(brokerIp, brokerPort);
    const cpu = await sampleBrokerCpu(facts.broker, PREFLIGHT.brokerBusy.sampleMs);
    return evaluatePreflight(plan, {
      ...facts,
      ...(facts.broker && cpu ? { broker: { ...facts.broker, cpu } } : {}),
      ...(manifest ? { fleet: readFleetFacts(manifest, this.env.FLEET_SECRET) } : {}),
    });
  }
}
