import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GeneratorHealth } from '@sousvide/loadtest-contracts';

/**
 * The generator, not the backend, is the bottleneck past these (docs/architecture.md section 5).
 */
export const SATURATION = { scheduleLagP99Ms: 200, eventLoopP99Ms: 200, cpuPercent: 95 };

/**
 * Runs `fn` while watching the agent itself: event-loop delay, CPU and (after the run) the
 * schedule lag. A run past any threshold is marked saturated, so it is not read as a backend result.
 */
export async function measureGeneratorHealth<T>(
  fn: () => Promise<T>,
  scheduleLagP99Ms: () => number,
): Promise<{ value: T; health: GeneratorHealth }> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const elapsedMs = Math.max(1, performance.now() - t0);
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const cpuPercent = Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 1000) / 10;
  const loopP99 = Math.round(loop.percentile(99) / 1e4) / 100;
  const lagP99 = scheduleLagP99Ms();
  const reasons: string[] = [];
  if (lagP99 > SATURATION.scheduleLagP99Ms) {
    reasons.push(`schedule lag p99 ${lagP99} ms > ${SATURATION.scheduleLagP99Ms} ms`);
  }
  if (loopP99 > SATURATION.eventLoopP99Ms) {
    reasons.push(`event-loop delay p99 ${loopP99} ms > ${SATURATION.eventLoopP99Ms} ms`);
  }
  if (cpuPercent > SATURATION.cpuPercent) {
    reasons.push(`agent CPU ${cpuPercent}% > ${SATURATION.cpuPercent}% of a core`);
  }
  return {
    value,
    health: {
      eventLoopLagP99Ms: loopP99,
      eventLoopLagMaxMs: Math.round(loop.max / 1e4) / 100,
      cpuPercent,
      rssBytes: process.memoryUsage.rss(),
      saturated: reasons.length > 0,
      reasons,
    },
  };
}

/** Health of a partition that never published (aborted before the start). */
export function idleGeneratorHealth(): GeneratorHealth {
  return {
    eventLoopLagP99Ms: 0,
    eventLoopLagMaxMs: 0,
    cpuPercent: 0,
    rssBytes: process.memoryUsage.rss(),
    saturated: false,
    reasons: [],
  };
}
