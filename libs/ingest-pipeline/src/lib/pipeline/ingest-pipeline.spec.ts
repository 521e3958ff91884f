import { DlqEntry } from '@sousvide/loadtest-contracts';
import { TelemetryV1 } from '@sousvide/telemetry-schema';
import { cookerTelemetry } from '@sousvide/testing';
import { MessageStorage } from '../storage/message-storage';
import { IngestPipeline, PipelineDeps, ProcessOptions } from './ingest-pipeline';
import { RawMessage } from './raw-message';

const telemetry = (deviceId: string, seq: number): TelemetryV1 =>
  cookerTelemetry('run-1', seq, { deviceId, ts: Date.now() - 5 });
const raw = (payload: Buffer | object): RawMessage => ({
  topic: 'sousvide/x/telemetry',
  payload: Buffer.isBuffer(payload) ? payload : Buffer.from(JSON.stringify(payload)),
  receivedAt: Date.now(),
});

function fakes(
  opts: {
    influxFails?: string[];
    redisFails?: string[];
    dlqDown?: boolean;
    bypass?: boolean;
    idempotencyDown?: boolean;
  } = {},
) {
  const dlq: DlqEntry[] = [];
  const added: { runId: string; delta: Record<string, number> }[] = [];
  // An in-memory claim/commit store with the real one's outcomes (its Redis side is tested in
  // libs/idempotency against a real Redis).
  const committed = new Set<string>();
  const claimed = new Set<string>();
  const key = (m: TelemetryV1): string => `${m.deviceId}:${m.seq}:${m.ts}`;
  const idempotency = {
    claim: (msgs: TelemetryV1[]) => {
      if (opts.idempotencyDown) {
        return Promise.reject(new Error('Connection is closed.'));
      }
      return Promise.resolve(
        msgs.map((m) => {
          if (committed.has(key(m))) {
            return 'duplicate';
          }
          if (claimed.has(key(m))) {
            return 'in_flight';
          }
          claimed.add(key(m));
          return 'new';
        }),
      );
    },
    commit: (msgs: TelemetryV1[]) => {
      msgs.forEach((m) => committed.add(key(m)));
      msgs.forEach((m) => claimed.delete(key(m)));
      return Promise.resolve();
    },
    release: (msgs: TelemetryV1[]) => {
      msgs.forEach((m) => claimed.delete(key(m)));
      return Promise.resolve();
    },
  };
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
  const heartbeat = {
    touch: (entries: { deviceId: string; ts: number }[]) =>
      Promise.resolve({
        ok: entries.filter((e) => !opts.redisFails?.includes(e.deviceId)).map((e) => e.deviceId),
        failed: entries
          .filter((e) => opts.redisFails?.includes(e.deviceId))
          .map((e) => ({ deviceId: e.deviceId, error: 'down' })),
      }),
  };
  const deps: PipelineDeps = {
    storage: new MessageStorage(influx, heartbeat),
    counters: {
      add: (runId: string, delta: Record<string, number>) => {
        added.push({ runId, delta });
      },
      flush: () => Promise.resolve(),
    },
    idempotency,
    dlq: {
      addMany: (entries: readonly DlqEntry[]) => {
        if (opts.dlqDown) {
          return Promise.resolve({
            added: 0,
            failed: entries.map((entry) => ({ entry, error: 'down' })),
          });
        }
        dlq.push(...entries);
        return Promise.resolve({ added: entries.length, failed: [] });
      },
    },
    bypassInflux: opts.bypass ?? false,
    gatewayId: 'gw-test',
    log: () => undefined,
  } as unknown as PipelineDeps;
  return { deps, dlq, added, committed, influx, heartbeat };
}

const processBatch = (batch: RawMessage[], deps: PipelineDeps, opts?: ProcessOptions) =>
  new IngestPipeline(deps).process(batch, opts);

describe('IngestPipeline', () => {
  it('counts every stage and completes healthy messages', async () => {
    const { deps, added } = fakes();
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
    expect(acc.latenciesMs).toHaveLength(2);
    expect(added[0].runId).toBe('run-1');
  });

  it('dead-letters parse, Influx and Redis failures separately, each once with its kind and key', async () => {
    const { deps, dlq } = fakes({ influxFails: ['i'], redisFails: ['r'] });
    const acc = await processBatch(
      [
        raw(Buffer.from('garbage "runId":"run-1"')),
        raw(telemetry('i', 3)),
        raw(telemetry('r', 4)),
        raw(telemetry('ok', 5)),
      ],
      deps,
    );
    const c = acc.runs.get('run-1')?.counts;
    expect(c).toMatchObject({
      recv_total: 4,
      parse_fail_total: 1,
      parse_ok_total: 3,
      influx_ok_total: 2,
      influx_fail_total: 1,
      redis_ok_total: 2,
      redis_fail_total: 1,
      pipeline_success_total: 1,
      core_pipeline_success_total: 2,
      dlq_total: 3,
    });
    expect(dlq.map((e) => [e.kind, e.key])).toEqual([
      ['parse', expect.stringMatching(/^raw:[0-9a-f]{32}$/)],
      ['influx', expect.stringMatching(/^i:3:\d+$/)],
      ['redis', expect.stringMatching(/^r:4:\d+$/)],
    ]);
    expect(dlq[0].error.code).toBe('NOT_JSON');
    expect(Buffer.from(dlq[1].payloadBase64, 'base64').toString()).toContain('"deviceId":"i"');
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

  it('does not count DLQ entries that could not be queued', async () => {
    const { deps } = fakes({ dlqDown: true });
    const acc = await processBatch([raw(Buffer.alloc(0))], deps);
    expect(acc.totals().parse_fail_total).toBe(1);
    expect(acc.totals().dlq_total).toBe(0);
  });

  it('stores a message once, counts its copies as duplicates and checks fail-safe once', async () => {
    const { deps, committed } = fakes();
    const stored: string[] = [];
    deps.onStored = (m) => stored.push(`${m.deviceId}:${m.seq}`);
    const a = telemetry('a', 1);
    const first = await processBatch([raw(a), raw(a), raw(telemetry('b', 1))], deps);
    const again = await processBatch([raw(a)], deps);
    expect(first.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 2,
      parse_ok_total: 2,
      duplicate_total: 1,
      pipeline_success_total: 2,
    });
    expect(again.runs.get('run-1')?.counts).toMatchObject({ recv_total: 0, duplicate_total: 1 });
    expect(stored).toEqual(['a:1', 'b:1']);
    expect(committed.size).toBe(2);
  });

  it('releases failed messages so a redelivery is stored, and dead-letters a double failure once', async () => {
    const { deps, dlq, committed } = fakes({ influxFails: ['x'], redisFails: ['x'] });
    const x = telemetry('x', 9);
    await processBatch([raw(x)], deps);
    expect(dlq.map((e) => e.kind)).toEqual(['influx']);
    expect(committed.size).toBe(0);
    // The redelivered copy is not a duplicate: it failed before, so it is tried again.
    const retry = await processBatch([raw(x)], deps);
    expect(retry.runs.get('run-1')?.counts).toMatchObject({ recv_total: 1, duplicate_total: 0 });
  });

  it('keeps ingesting without the duplicate check when the idempotency store is down', async () => {
    const { deps } = fakes({ idempotencyDown: true });
    const a = telemetry('a', 1);
    const acc = await processBatch([raw(a), raw(a)], deps);
    expect(acc.runs.get('run-1')?.counts).toMatchObject({
      recv_total: 2,
      duplicate_total: 0,
      influx_ok_total: 2,
    });
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
    const { deps, dlq, committed, influx, heartbeat } = fakes();
    influx.write = () => Promise.reject(new Error('must not be called'));
    heartbeat.touch = () => Promise.reject(new Error('must not be called'));
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
    expect(committed.size).toBe(0);
  });
});
