import { DlqEntry } from '@sousvide/loadtest-contracts';
import { TelemetryV1 } from '@sousvide/telemetry-schema';
import { cookerTelemetry } from '@sousvide/testing';
import type { BatchSettlement, RunAddition } from '../counters/run-ledger';
import type { IdentitySettlement } from '../counters/settle-identities';
import { MessageStorage } from '../storage/message-storage';
import { IngestPipeline, PipelineDeps, ProcessOptions } from './ingest-pipeline';
import { RawMessage } from './raw-message';

const telemetry = (deviceId: string, seq: number): TelemetryV1 =>
  cookerTelemetry('run-1', seq, { deviceId, ts: Date.now() - 5 });
const raw = (payload: Buffer | TelemetryV1, topic?: string): RawMessage => ({
  topic: topic ?? `sousvide/${Buffer.isBuffer(payload) ? 'x' : payload.deviceId}/telemetry`,
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)),
  receivedAt: Date.now(),
});

function fakes(
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

const okDlq = () => ({
  addMany: (entries: readonly DlqEntry[]) => Promise.resolve({ added: entries.length, failed: [] }),
});

const processBatch = (batch: RawMessage[], deps: PipelineDeps, opts?: ProcessOptions) =>
  new IngestPipeline(deps).process(batch, opts);

describe('IngestPipeline', () => {
  it('counts every stage and completes healthy messages, heartbeats and deltas in the settle', async () => {
    const { deps, sent, heartbeats } = fakes();
    const acc = await processBatch([raw(telemetry('a', 0)), raw(telemetry('b', 0))], deps);
    const c = acc.runs.get('run-1')?.counts;
    expect(c).toMatchObject({
      recv_total: 2,
      parse_ok_total: 2,
      influx_ok_total: 2,
      redis_ok_total: 2,
      pipeline_success_total: 2,
      core_pipeline_success_total: 2,
    });
    expect(acc.latency.count).toBe(2);
    expect(sent.map((d) => [d.runId, d.delta.counts?.redis_ok_total])).toEqual([['run-1', 2]]);
    expect(heartbeats).toEqual(['a', 'b']);
  });

  it('dead-letters parse and Influx failures separately, each once with its kind and key', async () => {
    const { deps, dlq } = fakes({ influxFails: ['i'] });
    const acc = await processBatch(
      [
        raw(Buffer.from('garbage "runId":"run-1"')),
        raw(telemetry('i', 3)),
        raw(telemetry('ok', 5)),
      ],
      deps,
    );
    const c = acc.runs.get('run-1')?.counts;
    expect(c).toMatchObject({
      recv_total: 3,
      parse_fail_total: 1,
      parse_ok_total: 2,
      influx_ok_total: 1,
      influx_fail_total: 1,
      redis_ok_total: 2,
      redis_fail_total: 0,
      pipeline_success_total: 1,
      core_pipeline_success_total: 2,
      dlq_total: 2,
    });
    expect(dlq.map((e) => [e.kind, e.key])).toEqual([
      ['parse', expect.stringMatching(/^raw:[0-9a-f]{32}$/)],
      ['influx', expect.stringMatching(/^i:3:\d+$/)],
    ]);
    expect(dlq[0].error.code).toBe('NOT_JSON');
    expect(Buffer.from(dlq[1].payloadBase64, 'base64').toString()).toContain('"deviceId":"i"');
  });

  it('when the settle is not sent, counts its heartbeats failed, dead-letters them and keeps the corrected deltas under their ids', async () => {
    const { deps, dlq, retained, sent, committed } = fakes({
      influxFails: ['i'],
      settleNotSent: 'REDIS_UNAVAILABLE: circuit open',
    });
    const acc = await processBatch([raw(telemetry('i', 3)), raw(telemetry('r', 4))], deps);
    const counts = {
      recv_total: 2,
      influx_ok_total: 1,
      influx_fail_total: 1,
      redis_ok_total: 0,
      redis_fail_total: 2,
      pipeline_success_total: 0,
      core_pipeline_success_total: 0,
      dlq_total: 2,
    };
    expect(acc.runs.get('run-1')?.counts).toMatchObject(counts);
    expect(acc.latency.count).toBe(0);
    // Influx failed 'i' first: one entry each, the kind of the first failed stage.
    expect(dlq.map((e) => [e.kind, e.deviceId, e.error.message])).toEqual([
      ['influx', 'i', 'bad line'],
      ['redis', 'r', 'REDIS_UNAVAILABLE: circuit open'],
    ]);
    expect({ sent, committed: committed.size }).toEqual({ sent: [], committed: 0 });
    expect(retained.map((r) => [r.runId, r.id])).toEqual([['run-1', 'id-run-1']]);
    expect(retained[0].delta.counts).toMatchObject(counts);
  });

  it('in bypass mode counts influx_bypass_total and never calls the writer', async () => {
    const { deps, influx } = fakes({ bypass: true });
    influx.write = () => Promise.reject(new Error('must not be called'));
    const acc = await processBatch([raw(telemetry('a', 0))], deps);
    expect(acc.runs.get('run-1')?.counts).toMatchObject({
      influx_bypass_total: 1,
      influx_ok_total: 0,
      pipeline_success_total: 1,
    });
  });

  it('holds failures neither the DLQ nor the spool took, and gives up unacknowledgeable when told', async () => {
    const { deps, added, committed } = fakes({ influxFails: ['x'] });
    let tried: () => void = () => undefined;
    const triedTwice = new Promise<void>((r) => (tried = r));
    let tries = 0;
    deps.dlq = {
      addMany: (entries) => {
        tries += 1;
        if (tries === 2) {
          tried();
        }
        return Promise.resolve({ failed: entries.map((entry) => ({ entry, error: 'down' })) });
      },
    };
    const stop = new AbortController();
    const processing = processBatch([raw(Buffer.alloc(0)), raw(telemetry('x', 1))], deps, {
      signal: stop.signal,
    });
    // Retrying: nothing counted, nothing recorded.
    await triedTwice;
    expect({ added, committed: committed.size }).toEqual({ added: [], committed: 0 });
    stop.abort();
    await expect(processing).rejects.toMatchObject({ code: 'NOT_DURABLE' });
    expect(added).toEqual([]);
    // Nothing of it was recorded: the broker's redelivery is a new message.
    const again = await processBatch([raw(telemetry('ok', 2))], { ...deps, dlq: okDlq() });
    expect(again.runs.get('run-1')?.counts.recv_total).toBe(1);
    const redelivered = await processBatch([raw(telemetry('x', 1))], { ...deps, dlq: okDlq() });
    expect(redelivered.runs.get('run-1')?.counts).toMatchObject({ recv_total: 1, dlq_total: 1 });
  });

  it('counts dead-lettered messages once the DLQ takes them after a refusal', async () => {
    const { deps } = fakes();
    let refusals = 1;
    const entries: DlqEntry[] = [];
    deps.dlq = {
      addMany: (batch) => {
        if (refusals > 0) {
          refusals -= 1;
          return Promise.resolve({ failed: batch.map((entry) => ({ entry, error: 'down' })) });
        }
        entries.push(...batch);
        return Promise.resolve({ failed: [] });
      },
    };
    const acc = await processBatch([raw(Buffer.alloc(0))], deps);
    expect(acc.totals()).toMatchObject({ parse_fail_total: 1, dlq_total: 1 });
    expect(entries).toHaveLength(1);
  });

  it('times each stage per run: broker, queue, store, heartbeat, settle', async () => {
    const { deps, added } = fakes();
    const m = telemetry('a', 0);
    const acc = await processBatch([{ ...raw(m), receivedAt: m.ts + 40 }], deps);
    const stages = acc.runs.get('run-1')?.stages ?? {};
    expect(Object.keys(stages).sort()).toEqual(
      ['broker', 'heartbeat', 'queue', 'settle', 'store'].sort(),
    );
    expect(stages.broker?.stats().max).toBe(40);
    expect(stages.store?.count).toBe(1);
    // The settle is measured after the transaction it times: it goes with the next one.
    expect(added.at(-1)?.delta.stages?.settle?.count).toBe(1);
  });

  it('records a message once, counts its copies as duplicates and corrects what the settle sent', async () => {
    const { deps, committed, added, sent } = fakes();
    const a = telemetry('a', 1);
    const first = await processBatch([raw(a), raw(a), raw(telemetry('b', 1))], deps);
    const again = await processBatch([raw(a)], deps);
    expect(first.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 2,
      parse_ok_total: 2,
      influx_ok_total: 2,
      redis_ok_total: 2,
      core_pipeline_success_total: 2,
      pipeline_success_total: 2,
      duplicate_total: 1,
    });
    expect(again.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 0,
      pipeline_success_total: 0,
      duplicate_total: 1,
    });
    expect(committed.size).toBe(2);
    // The settle went out before its reply said which were copies: as three new messages, then
    // one; each copy's correction goes to Redis with the next settle.
    expect(sent.map((d) => d.delta.counts?.recv_total)).toEqual([3, 1]);
    const corrections = added.filter((d) => d.delta.counts?.duplicate_total);
    expect(corrections.map((d) => d.delta.counts)).toEqual([
      expect.objectContaining({ recv_total: -1, pipeline_success_total: -1, duplicate_total: 1 }),
      expect.objectContaining({ recv_total: -1, influx_ok_total: -1, duplicate_total: 1 }),
    ]);
    // A batch of copies only adds a settle time and no heartbeat stage.
    expect(Object.entries(added.at(-1)?.delta.stages ?? {})).toEqual([
      ['settle', expect.objectContaining({ count: 1 })],
    ]);
  });

  it('does not record failed messages, so a redelivery is stored', async () => {
    const { deps, dlq, committed } = fakes({ influxFails: ['x'] });
    const x = telemetry('x', 9);
    await processBatch([raw(x)], deps);
    expect(dlq.map((e) => e.kind)).toEqual(['influx']);
    expect(committed.size).toBe(0);
    // The redelivered copy is not a duplicate: it failed before, so it is tried again.
    const retry = await processBatch([raw(x)], deps);
    expect(retry.runs.get('run-1')?.counts).toMatchObject({ recv_total: 1, duplicate_total: 0 });
  });

  it('takes a copy of a stored message whose own write failed as a duplicate, not a DLQ entry', async () => {
    const influxFails: string[] = [];
    const { deps, dlq, added } = fakes({ influxFails });
    const a = telemetry('a', 1);
    await processBatch([raw(a)], deps);
    influxFails.push('a', 'b');
    const copy = await processBatch([raw(a), raw(telemetry('b', 1))], deps);
    // 'b' was never stored: it fails as before; the copy of 'a' is a duplicate only.
    expect(copy.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 1,
      parse_ok_total: 1,
      influx_ok_total: 0,
      influx_fail_total: 1,
      pipeline_success_total: 0,
      duplicate_total: 1,
      dlq_total: 1,
    });
    expect(dlq.map((e) => e.deviceId)).toEqual(['b']);
    // What Redis gets corrects the copy as every other copy's count is corrected.
    const corrections = added.filter((d) => d.delta.counts?.duplicate_total);
    expect(corrections.map((d) => d.delta.counts)).toEqual([
      expect.objectContaining({ recv_total: -1, influx_ok_total: -1, duplicate_total: 1 }),
    ]);
  });

  it('counts a known copy a duplicate when the settle cannot say, or is not sent', async () => {
    const influxFails: string[] = [];
    const { deps, dlq, committed } = fakes({ influxFails });
    const a = telemetry('a', 1);
    await processBatch([raw(a)], deps);
    influxFails.push('a');
    const unknown = await processBatch([raw(a)], {
      ...deps,
      ...fakes({ duplicatesUnknown: true, influxFails }).deps,
      recorded: deps.recorded,
    });
    expect(unknown.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 0,
      duplicate_total: 1,
      influx_ok_total: 0,
      pipeline_success_total: 0,
      dlq_total: 0,
    });
    const down = fakes({ influxFails, settleNotSent: 'REDIS_UNAVAILABLE: circuit open' });
    const notSent = await processBatch([raw(a)], { ...down.deps, recorded: deps.recorded });
    expect(notSent.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 0,
      parse_ok_total: 0,
      duplicate_total: 1,
      influx_ok_total: 0,
      redis_fail_total: 0,
      dlq_total: 0,
    });
    expect({ dlq, downDlq: down.dlq, committed: committed.size }).toEqual({
      dlq: [],
      downDlq: [],
      committed: 1,
    });
  });

  it('dead-letters a failed write when it cannot tell whether the message was stored before', async () => {
    const influxFails: string[] = [];
    const { deps, dlq } = fakes({ influxFails });
    const a = telemetry('a', 1);
    await processBatch([raw(a)], deps);
    influxFails.push('a');
    deps.recorded = () => Promise.reject(new Error('Command timed out'));
    const copy = await processBatch([raw(a)], deps);
    expect(copy.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 1,
      influx_fail_total: 1,
      duplicate_total: 0,
      dlq_total: 1,
    });
    expect(dlq.map((e) => [e.kind, e.deviceId])).toEqual([['influx', 'a']]);
  });

  it('counts copies as new when the settle cannot say which were duplicates', async () => {
    const { deps, added } = fakes({ duplicatesUnknown: true });
    const a = telemetry('a', 1);
    const acc = await processBatch([raw(a), raw(a)], deps);
    expect(acc.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 2,
      duplicate_total: 0,
      influx_ok_total: 2,
    });
    expect(added.filter((d) => d.delta.counts?.duplicate_total)).toEqual([]);
  });

  it('counts entries the spool took as spooled, not as DLQ entries', async () => {
    const { deps } = fakes();
    deps.dlq = {
      addMany: (entries) => Promise.resolve({ failed: [], spooled: [...entries] }),
    };
    const acc = await processBatch([raw(Buffer.from('x "runId":"run-1"'))], deps);
    expect(acc.runs.get('run-1')?.counts).toMatchObject({ spooled_total: 1, dlq_total: 0 });
  });

  it('sheds a batch into the DLQ as influx failures without storing or touching heartbeats', async () => {
    const { deps, dlq, committed, influx, heartbeats } = fakes();
    influx.write = () => Promise.reject(new Error('must not be called'));
    const acc = await processBatch([raw(telemetry('a', 1)), raw(telemetry('b', 1))], deps, {
      shed: true,
    });
    expect(acc.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 2,
      influx_fail_total: 2,
      pipeline_success_total: 0,
      dlq_total: 2,
    });
    expect(dlq.map((e) => [e.kind, e.error.code])).toEqual([
      ['influx', 'SHED_BUFFER_FULL'],
      ['influx', 'SHED_BUFFER_FULL'],
    ]);
    expect({ committed: committed.size, heartbeats }).toEqual({ committed: 0, heartbeats: [] });
  });

  it('dead-letters a reading for another device than its topic, and one outside the ts window, as parse failures', async () => {
    const { deps, dlq, influx } = fakes();
    const writes: string[] = [];
    influx.write = (msgs: TelemetryV1[]) => {
      writes.push(...msgs.map((m) => m.deviceId));
      return Promise.resolve({ ok: msgs, failed: [], attempts: 1, retries: 0 });
    };
    const victim = telemetry('victim-9', 1);
    const acc = await processBatch(
      [
        raw(victim, 'sousvide/attacker-1/telemetry'),
        raw({ ...telemetry('a', 2), ts: Date.now() + 3600_000 }),
        raw(telemetry('b', 3)),
      ],
      deps,
    );
    expect(acc.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 3,
      parse_fail_total: 2,
      parse_ok_total: 1,
      dlq_total: 2,
    });
    expect(dlq.map((e) => [e.kind, e.error.code, e.topic])).toEqual([
      ['parse', 'DEVICE_MISMATCH', 'sousvide/attacker-1/telemetry'],
      ['parse', 'TS_OUT_OF_WINDOW', 'sousvide/a/telemetry'],
    ]);
    expect(writes).toEqual(['b']);
  });
});
