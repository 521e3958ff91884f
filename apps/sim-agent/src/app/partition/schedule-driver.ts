import type { PhaseSchedule } from '@sousvide/loadtest-contracts';

/**
 * Messages sent per turn of the event loop at most. A starved agent fell so far behind that one
 * turn sent 50,000 messages, blocked for seconds and let its BullMQ job lock lapse.
 */
const MAX_PER_TICK = 1000;

/** What the driver does at each due slot, and how it learns the attempt was aborted. */
export interface ScheduleDriverPorts {
  isAborted(): boolean;
  /** Slot `slot` (device `k`) is due; `now` is the tick's time, `intended` the slot's. */
  due(slot: number, k: number, intended: number, now: number): void;
}

/**
 * Walks the phase schedule with one cursor: every slot is handed to `due` once its time came,
 * at most MAX_PER_TICK per turn. Resolves with the number of slots handed out (all of them
 * unless the attempt was aborted). Open and closed loop share it; they differ only in `due`.
 */
export function driveSchedule(
  schedule: PhaseSchedule,
  ports: ScheduleDriverPorts,
): Promise<number> {
  let cursor = 0;
  return new Promise<number>((resolve) => {
    const tick = (): void => {
      if (ports.isAborted()) {
        resolve(cursor);
        return;
      }
      const now = Date.now();
      const until = Math.min(schedule.dueUntil(now), cursor + MAX_PER_TICK);
      for (; cursor < until; cursor += 1) {
        ports.due(cursor, schedule.deviceOf(cursor), schedule.timeOf(cursor), now);
      }
      if (cursor >= schedule.total) {
        resolve(cursor);
        return;
      }
      const wait = Math.max(0, Math.min(50, schedule.timeOf(cursor) - Date.now()));
      if (wait === 0) {
        // Behind schedule: go on after the acks and timers that arrived meanwhile (the job
        // lock's renewal among them), so a saturated agent is reported, not lost.
        setImmediate(tick);
      } else {
        setTimeout(tick, wait);
      }
    };
    tick();
  });
}
