import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GeneratorHealth } from '@sousvide/loadtest-contracts';

/**
 * The generator, not the backend, is the bottleneck past these (docs/architecture.md section 5).
 */
export const SATURATION = { scheduleLagP99Ms: 200, eventLoopP99Ms: 200, cpuPercent: 95 };

/**
 * Kernel share of the agent's CPU above which a slow connect phase points at connect() itself
 * (the port search past sockets in TIME_WAIT, a full SYN backlog) rather than at JavaScript.
 */
export const KERNEL_HEAVY_SHARE = 0.6;

/** Which phase is measured: the reasons say whose limit a saturated phase shows. */
export type HealthPhase = 'connect' | 'publish';

const round1 = (v: number): number => Math.round(v * 10) / 10;

/**
 * Runs `fn` while watching the agent itself: event-loop delay, CPU (and its kernel share) and,
 * for the publish phase, the schedule lag. A phase past any threshold is marked saturated: a
 * saturated publish phase is not a backend result, a saturated connect phase means the connect
 * rate is the agent's limit, not the broker's.
 */
export async function measureGeneratorHealth<T>(
  phase: HealthPhase,
  fn: () => Promise<T>,
  scheduleLagP99Ms: () => number = () => 0,
): Promise<{ value: T; health: GeneratorHealth }> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const elapsedMs = Math.max(1, performance.now() - t0);
  loop.disable();
  const cpu = process.cpuUsage(cpu0);
  const cpuPercent = round1(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100);
  const cpuSystemPercent = round1((cpu.system / 1000 / elapsedMs) * 100);
  const loopP99 = Math.round(loop.percentile(99) / 1e4) / 100;
  const lagP99 = scheduleLagP99Ms();
  const reasons: string[] = [];
  /** Worth saying, but not the agent's own limit: a connect phase starved of CPU by others. */
  const notes: string[] = [];
  if (lagP99 > SATURATION.scheduleLagP99Ms) {
    reasons.push(`schedule lag p99 ${lagP99} ms > ${SATURATION.scheduleLagP99Ms} ms`);
  }
  if (loopP99 > SATURATION.eventLoopP99Ms && phase === 'publish') {
    reasons.push(`event-loop delay p99 ${loopP99} ms > ${SATURATION.eventLoopP99Ms} ms`);
  } else if (loopP99 > SATURATION.eventLoopP99Ms && cpuPercent <= SATURATION.cpuPercent) {
    notes.push(
      `event-loop delay p99 ${loopP99} ms at only ${cpuPercent}% CPU while connecting: the agent waited for a busy machine's CPU`,
    );
  }
  if (cpuPercent > SATURATION.cpuPercent) {
    const kernel =
      cpuSystemPercent > cpuPercent * KERNEL_HEAVY_SHARE
        ? ` (${cpuSystemPercent}% in the kernel${phase === 'connect' ? ': connect() itself, e.g. the port search past TIME_WAIT' : ''})`
        : '';
    reasons.push(
      `agent CPU ${cpuPercent}% > ${SATURATION.cpuPercent}% of a core while ${phase === 'connect' ? 'connecting' : 'publishing'}${kernel}`,
    );
  }
  return {
    value,
    health: {
      eventLoopLagP99Ms: loopP99,
      eventLoopLagMaxMs: Math.round(loop.max / 1e4) / 100,
      cpuPercent,
      cpuSystemPercent,
      rssBytes: process.memoryUsage.rss(),
      saturated: reasons.length > 0,
      reasons: [...reasons, ...notes],
    },
  };
}

/** Health of a partition that never published (aborted before the start). */
export function idleGeneratorHealth(): GeneratorHealth {
  return {
    eventLoopLagP99Ms: 0,
    eventLoopLagMaxMs: 0,
    cpuPercent: 0,
    cpuSystemPercent: 0,
    rssBytes: process.memoryUsage.rss(),
    saturated: false,
    reasons: [],
  };
}
