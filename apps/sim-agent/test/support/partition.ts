import type { ClientModel, PartitionResult, PartitionSpec } from '@sousvide/loadtest-contracts';
import { clientFactoryFor } from '../../src/app/clients/client-models';
import type { AgentSecurity } from '../../src/app/clients/device-identity';
import { PartitionRunner } from '../../src/app/partition/partition-runner';
import { ConnectWindow } from '../../src/app/partition/connect-window';

/** One partition of one attempt with the given shape; the rest as a small test run sets it. */
export function testPartition(
  model: ClientModel,
  brokerUrl: string,
  shape: Pick<PartitionSpec, 'connections' | 'mps' | 'durationSec'> & Partial<PartitionSpec>,
): PartitionSpec {
  return {
    runId: `${model}-${Date.now()}`,
    attempt: 1,
    part: 0,
    partitions: 1,
    deviceOffset: 0,
    connectParallelism: 50,
    qos: 1,
    model,
    brokerUrl,
    connectTimeoutMs: 20_000,
    publishTimeoutMs: 20_000,
    keepaliveSec: 60,
    deadlineAt: Date.now() + 300_000,
    ...shape,
  };
}

/** Runs the partition in this process, starting `startInMs` after its connect phase. */
export async function runPartition(
  partition: PartitionSpec,
  security: AgentSecurity = {},
  startInMs = 500,
): Promise<{ result: PartitionResult; log: string[] }> {
  const log: string[] = [];
  const result = await new PartitionRunner(partition, {
    clientFactory: clientFactoryFor(partition.model),
    connectWindow: new ConnectWindow(),
    security,
    agentId: 'int-test',
    report: () => undefined,
    log: (line) => log.push(line),
    waitForStart: () => Promise.resolve(Date.now() + startInMs),
    isAborted: () => false,
  }).run();
  return { result, log };
}
