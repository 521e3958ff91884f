import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { DlqKind } from '@sousvide/loadtest-contracts';
import { REPLAYER_DLQ_QUEUE } from './replay.constants';
import { kindOf, runIdOf } from './dlq-entry.util';
import { DLQ_PENDING_STATES, REPLAY_PAGE_SIZE } from './replay.constants';

export interface DlqFilter {
  kind?: DlqKind;
  runId?: string;
}

/**
 * Finds the DLQ jobs a replay should handle. It takes a snapshot of matching job ids before any
 * entry is touched: removing jobs shifts the list positions getJobs pages over, so paging while
 * removing would skip entries. Only ids are kept, so a large DLQ costs little memory.
 */
@Injectable()
export class DlqSelector {
  constructor(@Inject(REPLAYER_DLQ_QUEUE) private readonly queue: Queue) {}

  /** Ids of pending jobs matching the filter, oldest first, at most `limit`. */
  async select(filter: DlqFilter, limit = Number.POSITIVE_INFINITY): Promise<string[]> {
    const ids: string[] = [];
    await this.scan(filter, (id) => {
      ids.push(id);
      return ids.length < limit;
    });
    return ids;
  }

  /** Pending jobs matching the filter right now (the report's `remaining`). */
  async count(filter: DlqFilter): Promise<number> {
    let n = 0;
    await this.scan(filter, () => {
      n++;
      return true;
    });
    return n;
  }

  /** Calls `visit` per matching job until it returns false or the states are exhausted. */
  private async scan(filter: DlqFilter, visit: (id: string) => boolean): Promise<void> {
    // A job can move between states (delayed -> waiting) while we page: report it once.
    const seen = new Set<string>();
    for (let start = 0; ; start += REPLAY_PAGE_SIZE) {
      // The range applies per state, so a page holds up to PAGE_SIZE jobs of each state.
      const jobs = await this.queue.getJobs(
        [...DLQ_PENDING_STATES],
        start,
        start + REPLAY_PAGE_SIZE - 1,
        true,
      );
      if (jobs.length === 0) {
        return;
      }
      for (const job of jobs) {
        const id = job.id;
        if (id === undefined || seen.has(id) || !matches(job.data, filter)) {
          continue;
        }
        seen.add(id);
        if (!visit(id)) {
          return;
        }
      }
    }
  }
}

function matches(data: unknown, filter: DlqFilter): boolean {
  return (
    (filter.kind === undefined || kindOf(data) === filter.kind) &&
    (filter.runId === undefined || runIdOf(data) === filter.runId)
  );
}
