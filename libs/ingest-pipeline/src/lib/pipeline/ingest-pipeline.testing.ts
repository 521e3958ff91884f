import { DlqEntry } from '@sousvide/loadtest-contracts';
import { TelemetryV1 } from '@sousvide/telemetry-schema';
import { cookerTelemetry } from '@sousvide/testing';
import type { BatchSettlement, RunAddition } from '../counters/run-ledger';
import type { IdentitySettlement } from '../counters/settle-identities';
import { MessageStorage } from '../storage/message-storage';
import type { BatchAccounting } from './batch-accounting';
import { IngestPipeline, PipelineDeps, ProcessOptions } from './ingest-pipeline';
import { RawMessage } from './raw-message';

/** The pipeline's specs' harness: telemetry, deliveries and the fakes it is wired to. */

/** The run every reading of {@link telemetry} belongs to. */
const RUN_ID = 'run-1';

export const telemetry = (deviceId: string, seq: number): TelemetryV1 =>
  cookerTelemetry(RUN_ID, seq, { deviceId, ts: Date.now() - 5 });
export const raw = (payload: Buffer | TelemetryV1, topic?: string): RawMessage => ({
  topic: topic ?? `sousvide/${Buffer.isBuffer(payload) ? 'x' : payload.deviceId}/telemetry`,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)),
  receivedAt: Date.now(),
});

export function fakes(
  opts: {
    influxFails?: string[];
    /** Every settle is not sent, with this error (Redis known down): nothing of it applies. */
    settleNotSent?: string;
    bypass?: boolean;
    /** Settles apply but their reply cannot say which messages were duplicates (it failed late). */
    duplicatesUnknown?: boolean;
  } = {},
) {
  const dlq: DlqEntry[] = [];
  const added: { runId: string; delta: RunAddition }[] = [];
  const sent: { runId: string; delta: RunAddition; id: string }[] = [];
  const retained: { runId: string; delta: RunAddition; id: string }[] = [];
  const heartbeats: string[] = [];
  // An in-memory record of stored identities with the settle's answers (its Redis side is tested
  // against a real Redis in apps/ingest-gateway/test/settle-script.int-spec.ts).
  const committed = new Set<string>();
  const settled: (IdentitySettlement | undefined)[] = [];
  const key = (m: { deviceId: string; seq?: number; ts: number }): string =>
    `${m.deviceId}:${m.seq}:${m.ts}`;
  const influx = {
    write: (msgs: TelemetryV1[]) =>
      Promise.resolve({
        ok: msgs.filter((m) => !opts.influxFails?.includes(m.deviceId)),
        failed: msgs
          .filter((m) => opts.influxFails?.includes(m.deviceId))
          .map((message) => ({ message, code: 'REJECTED' as const, error: 'bad line' })),
        attempts: 1,
        retries: 0,
      }),
  };
  // The pipeline sends heartbeats with its settle; the storage step must not record them.
  const heartbeat = {
    touch: (): Promise<never> => Promise.reject(new Error('heartbeats go with the settle')),
  };
  const deps: PipelineDeps = {
    storage: new MessageStorage(influx, heartbeat),
    // The identities settle with the counters in one transaction (RunLedger; its Redis side is
    // in apps/ingest-gateway/test/settle-script.int-spec.ts).
    counters: {
      add: (runId: string, delta: RunAddition) => {
        added.push({ runId, delta });
      },
      // The batch's deltas go in under ids; a failed settle applies none of it (one transaction).
      settle: (identities?: IdentitySettlement, batch?: BatchSettlement) => {
        const ids = new Map([...(batch?.runs.keys() ?? [])].map((r) => [r, `id-${r}`]));
        if (opts.settleNotSent) {
          return Promise.resolve({ notSent: opts.settleNotSent, heartbeatsFailed: [], ids });
        }
        // Recorded in order: a copy recorded before, in this batch or an earlier one, is one.
        const duplicates = (identities?.stored ?? []).map(({ msg }) => {
          const seen = committed.has(key(msg));
          committed.add(key(msg));
          return seen;
        });
        settled.push(identities);
        heartbeats.push(...(batch?.heartbeats ?? []).map((h) => h.deviceId));
        for (const [runId, delta] of batch?.runs ?? []) {
          sent.push({ runId, delta, id: ids.get(runId) ?? '' });
        }
        return Promise.resolve({
          heartbeatsFailed: [],
          ids,
          ...(opts.duplicatesUnknown ? {} : { duplicates }),
        });
      },
      retain: (runId: string, delta: RunAddition, id: string) => {
        retained.push({ runId, delta, id });
      },
    },
    dlq: {
      addMany: (entries: readonly DlqEntry[]) => {
        dlq.push(...entries);
        return Promise.resolve({ added: entries.length, failed: [] });
      },
    },
    recorded: (msgs: readonly { deviceId: string; seq?: number; ts: number }[]) =>
      Promise.resolve(msgs.map((m) => committed.has(key(m)))),
    bypassInflux: opts.bypass ?? false,
    gatewayId: 'gw-test',
    log: () => undefined,
  } as unknown as PipelineDeps;
  return { deps, dlq, added, sent, retained, heartbeats, committed, settled, influx, heartbeat };
}

export const okDlq = () => ({
  addMany: (entries: readonly DlqEntry[]) => Promise.resolve({ added: entries.length, failed: [] }),
});

export const processBatch = (batch: RawMessage[], deps: PipelineDeps, opts?: ProcessOptions) =>
  new IngestPipeline(deps).process(batch, opts);

/** What a processed batch counted for the run of {@link telemetry}. */
export const runCounts = (acc: BatchAccounting) => acc.runs.get(RUN_ID)?.counts;
