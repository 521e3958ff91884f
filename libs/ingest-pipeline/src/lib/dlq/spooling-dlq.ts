import type { DlqProducer, DurableSpool } from '@sousvide/ingest-storage';
import { DlqEntry } from '@sousvide/loadtest-contracts';
import type { RedisCircuit } from '../circuit/redis-circuit';

type AddResult = Awaited<ReturnType<DlqProducer['addMany']>> & { spooled: readonly DlqEntry[] };

/**
 * The DLQ as the pipeline sees it: entries the queue (Redis) refuses go to the durable spool, and
 * a background drain moves them into the queue once it answers again. Only entries that neither
 * the queue nor the spool took come back as failed (the spool is full): those are the losses.
 */
export class SpoolingDlq {
  spooled = 0;
  private timer?: NodeJS.Timeout;
  private draining?: Promise<unknown>;

  constructor(
    private readonly dlq: Pick<DlqProducer, 'addMany'>,
    private readonly spool: DurableSpool,
    private readonly log: (obj: Record<string, unknown>, msg: string) => void,
    /** Entries moved from the spool into the queue (the gateway counts them per run). */
    private readonly onDrained: (entries: readonly DlqEntry[]) => void = () => undefined,
    /** While Redis is known down, entries go straight to the spool instead of a 5 s timeout. */
    private readonly redis?: Pick<RedisCircuit, 'allow' | 'succeeded' | 'failed'>,
  ) {}

  async addMany(entries: readonly DlqEntry[]): Promise<AddResult> {
    const skip = this.redis !== undefined && !this.redis.allow();
    const res = skip
      ? { added: 0, failed: entries.map((entry) => ({ entry, error: 'Redis circuit open' })) }
      : await this.dlq.addMany(entries);
    if (res.failed.length === 0) {
      this.redis?.succeeded();
      return { ...res, spooled: [] };
    }
    if (!skip) {
      this.redis?.failed();
    }
    const refused = res.failed.map((f) => f.entry);
    try {
      await this.spool.append(refused);
      this.spooled += refused.length;
      return { ...res, failed: [], spooled: refused };
    } catch (err) {
      this.log(
        { entries: refused.length, err: (err as Error).message },
        'DLQ down and spool refused entries',
      );
      return { ...res, spooled: [] };
    }
  }

  /** Drains the spool into the queue every `intervalMs` while it holds anything. */
  start(intervalMs = 1000): void {
    this.timer = setInterval(() => {
      if (!this.draining && this.spool.stats().entries > 0 && (this.redis?.allow() ?? true)) {
        this.draining = this.drain().finally(() => {
          this.draining = undefined;
        });
      }
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.draining;
  }

  private async drain(): Promise<void> {
    try {
      const { drained, remaining } = await this.spool.drainTo(async (entries) => {
        const res = await this.dlq.addMany(entries);
        // The drain also probes Redis when no traffic does.
        if (res.failed.length === 0) {
          this.redis?.succeeded();
        } else {
          this.redis?.failed();
        }
        const failed = new Set(res.failed.map((f) => f.entry));
        this.onDrained(entries.filter((e) => !failed.has(e)));
        return res;
      });
      if (drained > 0) {
        this.log({ drained, remaining }, 'spool drained into the DLQ');
      }
    } catch (err) {
      this.log({ err: (err as Error).message }, 'spool drain failed');
    }
  }
}
