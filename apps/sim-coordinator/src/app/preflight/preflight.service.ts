import { Injectable } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import { RunSpec } from '@sousvide/loadtest-contracts';
import { evaluatePreflight } from './preflight.evaluate';
import { probePreflightFacts } from './preflight.probe';
import { PreflightReport } from './preflight.types';

export interface AttemptPlanInput {
  spec: RunSpec;
  attempt: number;
  /** Connections of each partition of the attempt. */
  counts: number[];
  connectParallelism: number;
  localAgents: boolean;
  /** Source addresses per partition (sourceAddressesFor), if any. */
  sourceAddresses?: string[][];
}

/**
 * Checks an attempt's plan against this machine before any connection is opened: file limits of
 * the agents and the broker, docker-proxy on the route, ephemeral ports towards the broker and
 * memory. The probes read /proc; the judgement is evaluatePreflight's.
 */
@Injectable()
export class PreflightService {
  async check(input: AttemptPlanInput): Promise<PreflightReport> {
    const url = new URL(input.spec.brokerUrl);
    const brokerPort = Number(url.port || 1883);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const brokerIp = await lookup(host, { family: 4 }).then(
      (r) => r.address,
      () => host,
    );
    const sources = input.sourceAddresses ?? [];
    const plan = {
      attempt: input.attempt,
      brokerUrl: input.spec.brokerUrl,
      brokerIp,
      brokerPort,
      model: input.spec.model,
      totalConnections: input.spec.totalConnections,
      partitions: input.counts.length,
      maxConnectionsPerPartition: Math.max(...input.counts),
      connectParallelism: input.connectParallelism,
      localAgents: input.localAgents,
      sourceAddresses: sources.flat(),
      maxConnectionsPerSource: Math.max(
        0,
        ...input.counts.map((n, i) => Math.ceil(n / Math.max(1, sources[i]?.length ?? 0))),
      ),
    };
    return evaluatePreflight(plan, probePreflightFacts(brokerIp, brokerPort));
  }
}
