import { DlqEntry } from '@sousvide/loadtest-contracts';
import { TelemetryV1 } from '@sousvide/telemetry-schema';
import { fakes, okDlq, processBatch, raw, runCounts, telemetry } from './ingest-pipeline.testing';

describe('IngestPipeline', () => {
  it('counts every stage and completes healthy messages, heartbeats and deltas in the settle', async () => {
    const { deps, sent, heartbeats } = fakes();
    const acc = await processBatch([raw(telemetry('a', 0)), raw(telemetry('b', 0))], deps);
    expect(runCounts(acc)).toMatchObject({
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
    expect(runCounts(acc)).toMatchObject({
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
    expect(runCounts(acc)).toMatchObject(counts);
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
    expect(runCounts(acc)).toMatchObject({
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
    expect(runCounts(again)?.recv_total).toBe(1);
    const redelivered = await processBatch([raw(telemetry('x', 1))], { ...deps, dlq: okDlq() });
    expect(runCounts(redelivered)).toMatchObject({ recv_total: 1, dlq_total: 1 });
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

  it('counts entries the spool took as spooled, not as DLQ entries', async () => {
    const { deps } = fakes();
    deps.dlq = {
      addMany: (entries) => Promise.resolve({ failed: [], spooled: [...entries] }),
    };
    const acc = await processBatch([raw(Buffer.from('x "runId":"run-1"'))], deps);
    expect(runCounts(acc)).toMatchObject({ spooled_total: 1, dlq_total: 0 });
  });

  it('sheds a batch into the DLQ as influx failures without storing or touching heartbeats', async () => {
    const { deps, dlq, committed, influx, heartbeats } = fakes();
    influx.write = () => Promise.reject(new Error('must not be called'));
    const acc = await processBatch([raw(telemetry('a', 1)), raw(telemetry('b', 1))], deps, {
      shed: true,
    });
    expect(runCounts(acc)).toMatchObject({
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
    expect(runCounts(acc)).toMatchObject({
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
