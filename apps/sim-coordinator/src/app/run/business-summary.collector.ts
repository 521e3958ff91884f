import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeviceAccounting, DrainReport, InFlightMeasures } from '@sousvide/loadtest-contracts';
import {
  DeviceSequences,
  diffSnapshots,
  dlqCensus,
  readGatewaysHeld,
  RunCounters,
  type IngestSnapshot,
} from '@sousvide/run-accounting';
import { type BrokerProbeLogin, type BrokerStore, readBrokerStore } from './broker-sys.probe';

/** How the summary waits for the backlog after the publish window (ADR 0017). */
export interface DrainOptions {
  /** Never wait longer than this (DRAIN_WINDOW_SEC, --drain-max). */
  maxMs: number;
  /** Stop once the gateways received nothing new for this long (DRAIN_STALL_SEC). */
  stallMs: number;
  /**
   * Once everything arrived, how long to wait for the stage timings of the counted messages,
   * which the gateways send once per flush (1 s, ADR 0037), after the counts. Default 3 s.
   */
  timingsMs?: number;
  signal?: AbortSignal;
}

/** A gateway's heartbeat report older than its liveness TTL (5 s) is a gone gateway's. */
const GATEWAY_REPORT_FRESH_MS = 5000;
const POLL_MS = 250;
const TIMINGS_WAIT_MS = 3000;

/**
 * Reads the gateways' per-run counters (summed in Redis over every instance). An attempt's view
 * is the difference between a snapshot taken before dispatch and one after the drain.
 */
export class BusinessSummaryCollector {
  constructor(
    private readonly counters: RunCounters,
    private readonly dlq: Queue,
    private readonly ingestRedis: Redis,
    private readonly brokerSysTimeoutMs: number,
    private readonly devices: Pick<DeviceSequences, 'summary'>,
    /** The probe's identity and TLS options, made when it runs (they read files). */
    private readonly brokerLogin: () => BrokerProbeLogin = () => ({}),
  ) {}

  /** Which devices lost, duplicated or reordered messages in the run so far (ADR 0020). */
  deviceAccounting(runId: string): Promise<DeviceAccounting> {
    return this.devices.summary(runId);
  }

  /** The run's entries in the DLQ now, failed at or after `sinceMs` (one attempt's). */
  async dlqEntries(runId: string, sinceMs = 0): Promise<number> {
    return (await dlqCensus(this.dlq, runId, sinceMs)).total;
  }

  /** Counters and histogram of the run at one instant (one MULTI). */
  snapshot(runId: string): Promise<IngestSnapshot> {
    return this.counters.read(runId);
  }

  /**
   * The broker's store as of its next `$SYS` update, or why it is unknown. Started before the
   * attempt's agents (which take seconds to boot), awaited before dispatch: the baseline. Skipped
   * when no gateway is alive: no business summary can come of the attempt, and the probe may
   * cost a `sys_interval`.
   */
  async brokerBaseline(brokerUrl: string): Promise<BrokerStore | string> {
    const held = await readGatewaysHeld(this.ingestRedis, GATEWAY_REPORT_FRESH_MS).catch(
      () => undefined,
    );
    if (held?.live === 0) {
      return 'no gateway reported alive before the attempt';
    }
    return this.brokerStore(brokerUrl);
  }

  private brokerStore(brokerUrl: string): Promise<BrokerStore | string> {
    if (this.brokerSysTimeoutMs === 0) {
      return Promise.resolve('BROKER_SYS_TIMEOUT_SEC=0');
    }
    let login: BrokerProbeLogin;
    try {
      login = this.brokerLogin();
    } catch (err) {
      return Promise.resolve(`the probe's TLS files: ${(err as Error).message}`);
    }
    return readBrokerStore(brokerUrl, this.brokerSysTimeoutMs, login).catch(
      (err: unknown) => (err as Error).message,
    );
  }

  /**
   * Waits while the backlog still shrinks: until the gateways received everything the agents
   * published (`complete`), received nothing new for `stallMs` (`stalled`; at once when nothing
   * arrived and no gateway is alive), `maxMs` passed (`max_wait`) or the run was interrupted.
   * `delta` is undefined when no gateway counted anything for the run.
   */
  async drain(
    runId: string,
    before: IngestSnapshot,
    publishedTotal: number,
    o: DrainOptions,
  ): Promise<{ delta?: IngestSnapshot; report: DrainReport }> {
    const start = Date.now();
    let last = -1;
    let lastChange = start;
    let completeAt: number | undefined;
    for (;;) {
      const delta = diffSnapshots(await this.snapshot(runId), before);
      const recv = delta.counts.recv_total;
      const now = Date.now();
      if (recv !== last) {
        last = recv;
        lastChange = now;
      }
      const stop = await this.stopReason(recv, publishedTotal, now - start, now - lastChange, o);
      const untimed = untimedMessages(delta);
      if (stop?.stopped === 'complete' && untimed > 0 && o.signal?.aborted !== true) {
        completeAt ??= now;
        const timingsMs = o.timingsMs ?? TIMINGS_WAIT_MS;
        if (now - completeAt < timingsMs) {
          await new Promise((r) => setTimeout(r, POLL_MS));
          continue;
        }
        stop.detail += `; the stage timings of ${untimed} not in after ${timingsMs / 1000} s`;
      }
      if (stop) {
        const report: DrainReport = {
          waited_ms: now - start,
          stopped: stop.stopped,
          detail: stop.detail,
          max_wait_ms: o.maxMs,
          stall_ms: o.stallMs,
        };
        return { ...(recv > 0 ? { delta } : {}), report };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private async stopReason(
    recv: number,
    published: number,
    waited: number,
    quiet: number,
    o: DrainOptions,
  ): Promise<Pick<DrainReport, 'stopped' | 'detail'> | undefined> {
    const got = `received ${recv} of ${published} published`;
    if (recv >= published && recv > 0) {
      return { stopped: 'complete', detail: got };
    }
    if (o.signal?.aborted) {
      return { stopped: 'interrupted', detail: `${got} when the run was interrupted` };
    }
    if (waited >= o.maxMs) {
      return {
        stopped: 'max_wait',
        detail: `${got}, still arriving after the ${o.maxMs / 1000} s maximum`,
      };
    }
    if (quiet >= o.stallMs) {
      return { stopped: 'stalled', detail: `${got}, nothing new for ${o.stallMs / 1000} s` };
    }
    if (recv === 0) {
      const held = await readGatewaysHeld(this.ingestRedis, GATEWAY_REPORT_FRESH_MS);
      if (held.live === 0) {
        return { stopped: 'stalled', detail: `${got}, and no gateway reports alive` };
      }
    }
    return undefined;
  }

  /**
   * What is still on its way at the cut-off, each part measured where it sits: the broker's store
   * beyond its retained messages (against `baseline`, its figure before the attempt) and what the
   * live gateways hold unacknowledged. A part that cannot be measured is null, with the reason.
   */
  async inFlight(brokerUrl: string, baseline: BrokerStore | string): Promise<InFlightMeasures> {
    const notes: string[] = [];
    let broker: number | null = null;
    let brokerDropped: number | null = null;
    const now = typeof baseline === 'string' ? baseline : await this.brokerStore(brokerUrl);
    if (typeof baseline === 'string' || typeof now === 'string') {
      notes.push(`broker queue not measured: ${typeof baseline === 'string' ? baseline : now}`);
    } else {
      broker = Math.max(0, now.stored - now.retained - (baseline.stored - baseline.retained));
      const dropped = droppedDuring(baseline, now);
      brokerDropped = dropped.count;
      if (dropped.note) {
        notes.push(dropped.note);
      }
    }
    let gateways: number | null = null;
    try {
      const held = await readGatewaysHeld(this.ingestRedis, GATEWAY_REPORT_FRESH_MS);
      gateways = held.unacked;
      if (held.live === 0) {
        notes.push('no gateway reported alive at the cut-off');
      }
    } catch (err) {
      notes.push(`gateway buffers not measured: ${(err as Error).message}`);
    }
    return { broker, gateways, brokerDropped, notes };
  }
}

/**
 * What the broker dropped between two readings of its `$SYS` counter. Mosquitto publishes the
 * counter only once it changed from 0, retained for a minute, so a reading without it means no
 * drop since the start or none for over a minute. Then the later figure is the count since the
 * broker started: an upper bound for the attempt, given as a note (exact when the broker dropped
 * nothing before), not as the attempt's count.
 */
export function droppedDuring(
  baseline: BrokerStore,
  now: BrokerStore,
): { count: number | null; note?: string } {
  if (now.dropped === null) {
    return { count: null };
  }
  if (baseline.dropped !== null) {
    return { count: Math.max(0, now.dropped - baseline.dropped) };
  }
  return {
    count: null,
    note:
      `broker dropped at most ${now.dropped} during the attempt: its count since it started ` +
      '(no figure before the attempt: it had dropped nothing, or nothing for over a minute); ' +
      'a broker drops a QoS 1 message it acknowledged when a subscriber queue is full ' +
      '(Mosquitto: max_queued_messages)',
  };
}

/**
 * How many counted messages' stage timings are not in yet: every message a gateway counted as new
 * or as a copy was timed through the queue, and its batch's timings go with the gateway's next
 * flush.
 */
function untimedMessages(delta: IngestSnapshot): number {
  const timed = delta.stages.queue?.count ?? 0;
  return Math.max(0, delta.counts.recv_total + delta.counts.duplicate_total - timed);
}
