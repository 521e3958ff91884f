import { cpuMsOf } from '../host/host-reader';
import { sampleBrokerCpu, sampleCpu } from './preflight.probe';
import type { PreflightFacts } from './preflight.types';

/** Returns the given values in turn, then the last one again. */
function readings<T extends number | undefined>(...values: T[]): () => T {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)];
}

const BROKER: NonNullable<PreflightFacts['broker']> = {
  pid: process.pid,
  comm: 'node',
  sameNetns: true,
  isDockerProxy: false,
};

describe('sampleCpu', () => {
  it('gives the CPU used between two readings as % of one core over the elapsed time', async () => {
    await expect(sampleCpu(1, readings(1000, 1491), readings(0, 500))).resolves.toEqual({
      percent: 98.2,
      overMs: 500,
    });
    await expect(sampleCpu(1, readings(40, 50), readings(10, 1010))).resolves.toEqual({
      percent: 1,
      overMs: 1000,
    });
  });

  it('gives nothing when the process cannot be read at either end', async () => {
    await expect(sampleCpu(1, readings(undefined, 5), readings(0, 500))).resolves.toBeUndefined();
    await expect(sampleCpu(1, readings(5, undefined), readings(0, 500))).resolves.toBeUndefined();
  });
});

describe('sampleBrokerCpu', () => {
  it("reads a real process's CPU from /proc over the sample", async () => {
    const r = await sampleBrokerCpu(BROKER, 20);
    expect(r).toBeDefined();
    expect(r?.overMs).toBeGreaterThanOrEqual(19);
    expect(r?.percent).toBeGreaterThanOrEqual(0);
    expect(cpuMsOf(process.pid)).toBeGreaterThan(0);
  });

  it('does not sample docker-proxy (its CPU is not the broker’s), an unseen broker or a gone process', async () => {
    await expect(sampleBrokerCpu({ ...BROKER, isDockerProxy: true }, 1)).resolves.toBeUndefined();
    await expect(sampleBrokerCpu(undefined, 1)).resolves.toBeUndefined();
    // Above any pid_max Linux allows (2^22): no such process.
    await expect(sampleBrokerCpu({ ...BROKER, pid: 2 ** 22 + 1 }, 1)).resolves.toBeUndefined();
  });
});
