import { parseRunSpec, type PartitionSpec } from '@sousvide/loadtest-contracts';
import type { CoordinatorEnv } from '../config/env.schema';
import { evaluatePreflight } from './preflight.evaluate';
import { probePreflightFacts, sampleBrokerCpu } from './preflight.probe';
import { PreflightService } from './preflight.service';

jest.mock('./preflight.probe', () => ({
  probePreflightFacts: jest.fn(() => ({})),
  sampleBrokerCpu: jest.fn(() => Promise.resolve(undefined)),
}));
jest.mock('./preflight.evaluate', () => ({ evaluatePreflight: jest.fn(() => ({ ok: true })) }));

/** Runs the service's check for a 10-device, one-partition plan towards brokerUrl. */
async function checkPlan(brokerUrl: string): Promise<void> {
  jest.mocked(evaluatePreflight).mockClear();
  const spec = parseRunSpec({
    totalConnections: 10,
    partitions: 1,
    connectParallelism: 10,
    mps: 1,
    durationSec: 5,
    qos: 1,
    brokerUrl,
  });
  const parts = [{ connections: 10, connectParallelism: 10 }] as PartitionSpec[];
  await new PreflightService({} as CoordinatorEnv).check({
    spec,
    attempt: 1,
    parts,
    localAgents: true,
  });
}

async function portChecked(brokerUrl: string): Promise<number> {
  await checkPlan(brokerUrl);
  const plan = jest.mocked(evaluatePreflight).mock.calls[0][0];
  expect(jest.mocked(probePreflightFacts)).toHaveBeenLastCalledWith('127.0.0.1', plan.brokerPort);
  return plan.brokerPort;
}

describe('PreflightService broker port', () => {
  it('checks routes and ports towards 8883 for a TLS broker URL without a port, 1883 plain', async () => {
    await expect(portChecked('mqtts://127.0.0.1')).resolves.toBe(8883);
    await expect(portChecked('ssl://127.0.0.1')).resolves.toBe(8883);
    await expect(portChecked('mqtt://127.0.0.1')).resolves.toBe(1883);
    await expect(portChecked('tcp://127.0.0.1')).resolves.toBe(1883);
    await expect(portChecked('mqtts://127.0.0.1:18883')).resolves.toBe(18883);
  });
});

describe('PreflightService broker CPU', () => {
  it("judges the broker's CPU sampled before the attempt, as part of the broker's facts", async () => {
    const broker = { pid: 42, comm: 'mosquitto', sameNetns: true, isDockerProxy: false };
    jest.mocked(probePreflightFacts).mockReturnValueOnce({
      broker,
      towardsBroker: { open: 0, timeWait: 0, bySource: {} },
    });
    jest.mocked(sampleBrokerCpu).mockResolvedValueOnce({ percent: 97.5, overMs: 502 });
    await checkPlan('mqtt://127.0.0.1:1883');
    expect(jest.mocked(sampleBrokerCpu)).toHaveBeenLastCalledWith(broker, 500);
    expect(jest.mocked(evaluatePreflight).mock.calls[0][1].broker).toEqual({
      ...broker,
      cpu: { percent: 97.5, overMs: 502 },
    });
  });
});
