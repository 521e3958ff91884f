import { IngestPipeline } from './ingest-pipeline';
import { fakes, processBatch, raw, runCounts, telemetry } from './ingest-pipeline.testing';

/** Copies of one message: recorded once, the others counted as duplicates (ADR 0050). */
describe('IngestPipeline: copies and duplicates', () => {
  it('records a message once, counts its copies as duplicates and corrects what the settle sent', async () => {
    const { deps, committed, added, sent } = fakes();
    const a = telemetry('a', 1);
    const first = await processBatch([raw(a), raw(a), raw(telemetry('b', 1))], deps);
    const again = await processBatch([raw(a)], deps);
    expect(runCounts(first)).toMatchObject({
      recv_total: 2,
      parse_ok_total: 2,
      influx_ok_total: 2,
      redis_ok_total: 2,
      core_pipeline_success_total: 2,
      pipeline_success_total: 2,
      duplicate_total: 1,
    });
    expect(runCounts(again)).toMatchObject({
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
    expect(runCounts(retry)).toMatchObject({ recv_total: 1, duplicate_total: 0 });
  });

  it('takes a copy of a stored message whose own write failed as a duplicate, not a DLQ entry', async () => {
    const influxFails: string[] = [];
    const { deps, dlq, added } = fakes({ influxFails });
    const a = telemetry('a', 1);
    await processBatch([raw(a)], deps);
    influxFails.push('a', 'b');
    const copy = await processBatch([raw(a), raw(telemetry('b', 1))], deps);
    // 'b' was never stored: it fails as before; the copy of 'a' is a duplicate only.
    expect(runCounts(copy)).toMatchObject({
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

  it('sheds only new messages: a copy of a stored one in a shed batch is a duplicate', async () => {
    const { deps, dlq, influx } = fakes();
    const a = telemetry('a', 1);
    await processBatch([raw(a)], deps);
    influx.write = () => Promise.reject(new Error('a shed batch must not be written'));
    const shed = await processBatch([raw(a), raw(telemetry('b', 1))], deps, { shed: true });
    expect(runCounts(shed)).toMatchObject({
      recv_total: 1,
      influx_ok_total: 0,
      influx_fail_total: 1,
      pipeline_success_total: 0,
      duplicate_total: 1,
      dlq_total: 1,
    });
    expect(dlq.map((e) => [e.deviceId, e.error.code])).toEqual([['b', 'SHED_BUFFER_FULL']]);
    // The copy's e2e latency was recorded when 'a' was stored; 'b' is not stored yet. The copy's
    // heartbeat went with the settle, the shed 'b' sent none: no new heartbeat to time.
    expect(shed.latency.count).toBe(0);
    expect(shed.runs.get('run-1')?.stages.heartbeat).toBeUndefined();
  });

  it('asks for one shed batch at a time: one shed meanwhile dead-letters its copies', async () => {
    const { deps, dlq } = fakes();
    const a = telemetry('a', 1);
    await processBatch([raw(a)], deps);
    const committed = deps.recorded;
    const held: (() => void)[] = [];
    deps.recorded = (messages) =>
      new Promise<void>((resolve) => held.push(resolve)).then(() =>
        committed ? committed(messages) : [],
      );
    const pipeline = new IngestPipeline(deps);
    const first = pipeline.process([raw(a)], { shed: true });
    const second = await pipeline.process([raw(a)], { shed: true });
    expect(held).toHaveLength(1);
    held[0]();
    expect(runCounts(await first)).toMatchObject({ duplicate_total: 1, dlq_total: 0 });
    expect(runCounts(second)).toMatchObject({ duplicate_total: 0, dlq_total: 1 });
    expect(dlq.map((e) => e.error.code)).toEqual(['SHED_BUFFER_FULL']);
    // Once the first check is answered, the next shed batch asks again.
    const third = pipeline.process([raw(a)], { shed: true });
    await new Promise(setImmediate);
    expect(held).toHaveLength(2);
    held[1]();
    expect(runCounts(await third)).toMatchObject({ duplicate_total: 1, dlq_total: 0 });
  });

  it('records no second e2e latency for a known copy whose own write failed', async () => {
    const influxFails: string[] = [];
    const { deps } = fakes({ influxFails });
    const a = telemetry('a', 1);
    const first = await processBatch([raw(a)], deps);
    influxFails.push('a');
    const copy = await processBatch([raw(a), raw(telemetry('c', 1))], deps);
    expect({ first: first.latency.count, copy: copy.latency.count }).toEqual({ first: 1, copy: 1 });
    expect(runCounts(copy)).toMatchObject({ duplicate_total: 1, recv_total: 1 });
  });

  it('stops waiting for the stored-copy check when the batch is given up', async () => {
    const influxFails: string[] = [];
    const { deps, dlq } = fakes({ influxFails });
    const a = telemetry('a', 1);
    await processBatch([raw(a)], deps);
    influxFails.push('a');
    const giveUp = new AbortController();
    let asked = 0;
    deps.recorded = () => {
      asked += 1;
      // Given up while the check waits (not before it starts).
      setImmediate(() => giveUp.abort());
      return new Promise<boolean[]>(() => undefined); // a Redis that never answers
    };
    const copy = await processBatch([raw(a)], deps, { signal: giveUp.signal });
    expect(asked).toBe(1);
    expect(runCounts(copy)).toMatchObject({ influx_fail_total: 1, dlq_total: 1 });
    expect(dlq.map((e) => [e.kind, e.deviceId])).toEqual([['influx', 'a']]);
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
    expect(runCounts(unknown)).toMatchObject({
      recv_total: 0,
      duplicate_total: 1,
      influx_ok_total: 0,
      pipeline_success_total: 0,
      dlq_total: 0,
    });
    const down = fakes({ influxFails, settleNotSent: 'REDIS_UNAVAILABLE: circuit open' });
    const notSent = await processBatch([raw(a)], { ...down.deps, recorded: deps.recorded });
    expect(runCounts(notSent)).toMatchObject({
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
    expect(runCounts(copy)).toMatchObject({
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
    expect(runCounts(acc)).toMatchObject({
      recv_total: 2,
      duplicate_total: 0,
      influx_ok_total: 2,
    });
    expect(added.filter((d) => d.delta.counts?.duplicate_total)).toEqual([]);
  });
});
