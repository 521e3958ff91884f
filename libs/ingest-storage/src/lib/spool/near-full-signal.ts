import type { SpoolStats } from './durable-spool.options';
import type { SpoolLogger } from './spool-fs';

/**
 * Edge-triggered "spool nearly full" alarm: one log line and one callback per upward crossing of
 * the threshold, so a spool hovering near the bound does not flood logs or pages.
 */
export class NearFullSignal {
  private raised = false;

  constructor(
    private readonly thresholdBytes: number,
    private readonly maxBytes: number,
    private readonly log: SpoolLogger,
    private readonly onNearFull: ((stats: SpoolStats) => void) | undefined,
  ) {}

  /** Call whenever the spool's bytes changed. */
  update(stats: SpoolStats): void {
    const above = stats.bytes >= this.thresholdBytes;
    if (above === this.raised) {
      return;
    }
    this.raised = above;
    if (above) {
      this.log.warn({ ...stats, maxBytes: this.maxBytes }, 'spool: nearing its size bound');
      try {
        this.onNearFull?.(stats);
      } catch (err) {
        // A faulty metrics hook must not fail the append that happened to cross the line.
        this.log.warn({ err }, 'spool: onNearFull threw');
      }
    }
  }
}
