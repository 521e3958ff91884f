import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Queue } from 'bullmq';
import { RunCounters } from '@sousvide/run-accounting';
import {
  accountForRun,
  BusinessSummary,
  DlqEntry,
  LossAccounting,
  QUEUE_NAMES,
} from '@sousvide/loadtest-contracts';
import {
  cookerTelemetry,
  pollUntil,
  publishTelemetry,
  readStoredPoints,
  reportOf,
  runReplayer,
  waitForStoredPoints,
} from '@sousvide/testing';
import { metric, startGateway } from './gateway-process';
import { loadArgs, runLoad, useIngestStack } from './ingest-stack';

/**
 * The reliability gates of docs/architecture.md section 7 end to end: real broker, Redis, store,
 * gateway and replayer processes. "Stored" is always read back from the store, never taken from counters.
 */
describe('reliability gates: nothing lost, nothing stored twice', () => {
  const stack = useIngestStack();
  let dlq: Queue;
  beforeAll(() => {
    dlq = new Queue(QUEUE_NAMES.dlq, { connection: { url: stack.redis.url } });
  });
  afterAll(async () => {
    await dlq?.close();
  });

  const dlqEntriesOf = async (runId: string): Promise<DlqEntry[]> =>
    (await dlq.getJobs(['waiting'], 0, -1))
      .map((j) => j.data as DlqEntry)
      .filter((e) => e.runId === runId);

  /** The loss accounting as the business summary computes it, from the live counters and DLQ. */
  const accounting = async (runId: string, published: number): Promise<LossAccounting> =>
    accountForRun({
      published,
      counts: (await new RunCounters(stack.client).read(runId)).counts,
      inDlq: (await dlqEntriesOf(runId)).length,
      bypass: false,
    });

  const replay = async (runId: string): Promise<Record<string, unknown>> => {
    const run = await runReplayer(['replay', '--run-id', runId, '--json'], {
      REDIS_URL: stack.redis.url,
      INFLUX_URL: stack.vm.url,
    });
    expect(run.code).toBe(0);
    return reportOf(run);
  };

  it('store down during a 5,000-message run: the DLQ holds exactly the failures; a replay stores each once; a second changes nothing', async () => {
    stack.gateways.push(
      await startGateway({
        ...stack.baseEnv,
        GATEWAY_ID: 'gw-store-down',
        INFLUX_URL: 'http://127.0.0.1:1',
        INFLUX_TIMEOUT_MS: '500',
        INFLUX_RETRY_BUDGET_MS: '500',
      }),
    );
    const runId = `rel-store-${Date.now()}`;
    const artifacts = mkdtempSync(join(tmpdir(), 'rel-runs-'));
    const load = await runLoad(
      loadArgs({ connections: 500, partitions: 1, parallelism: 100, mps: 5, duration: 2, runId }),
      { ...stack.baseEnv, ARTIFACTS_DIR: artifacts, DRAIN_WINDOW_SEC: '90' },
    );
    const biz = JSON.parse(
      readFileSync(join(artifacts, runId, 'attempt-1', 'business-summary.json'), 'utf8'),
    ) as BusinessSummary;
    expect({ code: load.code, ...biz }).toMatchObject({
      published_total: 5000,
      recv_total: 5000,
      influx_fail_total: 5000,
      dlq_total: 5000,
      duplicate_total: 0,
      accounting: { published: 5000, stored: 0, in_dlq: 5000, in_spool: 0, lost: 0 },
    });
    const entries = await dlqEntriesOf(runId);
    expect(entries).toHaveLength(5000);
    expect(new Set(entries.map((e) => e.key)).size).toBe(5000);
    expect(new Set(entries.map((e) => e.kind))).toEqual(new Set(['influx']));
    expect((await readStoredPoints(stack.vm, runId)).points).toBe(0);

    // The store is back (the replayer reaches it): replay the run's entries.
    expect(await replay(runId)).toMatchObject({
      selected: 5000,
      replayed: 5000,
      failed_again: 0,
      remaining: 0,
    });
    expect(await waitForStoredPoints(stack.vm, runId, 5000)).toEqual({
      points: 5000,
      series: 500,
    });
    expect(await dlqEntriesOf(runId)).toHaveLength(0);
    expect(await accounting(runId, 5000)).toEqual({
      published: 5000,
      stored: 5000,
      in_dlq: 0,
      in_spool: 0,
      duplicates: 0,
      lost: 0,
      in_flight: 0,
      unconfirmed_arrived: 0,
    });

    expect(await replay(runId)).toMatchObject({ selected: 0, replayed: 0, remaining: 0 });
    expect((await readStoredPoints(stack.vm, runId)).points).toBe(5000);
  });

  it('Redis down for a stretch: failures spool to disk, drain into the DLQ, replay; every message accounted for', async () => {
    const gw = await startGateway({
      ...stack.baseEnv,
      GATEWAY_ID: 'gw-spool',
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'gw-spool-')),
    });
    stack.gateways.push(gw);
    const runId = `rel-spool-${Date.now()}`;
    const pub = await mqtt.connectAsync(stack.broker.url, { clientId: `spool-pub-${Date.now()}` });
    const send = (from: number, count: number): Promise<void> =>
      publishTelemetry(
        pub,
        Array.from({ length: count }, (_, i) => cookerTelemetry(runId, from + i)),
      );
    await send(0, 50);
    await stack.redis.pause();
    await send(50, 100);
    // Heartbeats time out (3 s), the DLQ add times out (5 s), then the entries are spooled.
    const spooled = (): Promise<number> => metric(gw.opsUrl, 'ingest_spool_entries');
    const spooledWhileDown = await pollUntil(spooled, (n) => n > 0, { intervalMs: 250 });
    await stack.redis.unpause();
    await send(150, 50);
    await pub.endAsync();
    expect(spooledWhileDown).toBeGreaterThan(0);
    expect(await pollUntil(spooled, (n) => n === 0, { intervalMs: 250 })).toBe(0);
    const redisFailed = await metric(gw.opsUrl, 'ingest_redis_fail_total');
    expect(redisFailed).toBeGreaterThan(0);

    // Counters taken while Redis was down are sent once it is back: every message counted.
    const acc = await pollUntil(
      () => accounting(runId, 200),
      (a) => a.lost === 0,
      {
        intervalMs: 250,
      },
    );
    expect(acc).toMatchObject({ published: 200, in_dlq: redisFailed, in_spool: 0, lost: 0 });
    const counts = (await new RunCounters(stack.client).read(runId)).counts;
    expect(counts).toMatchObject({ recv_total: 200, redis_fail_total: redisFailed });
    expect(counts.spooled_total).toBeGreaterThan(0);
    expect(counts.spool_drained_total).toBe(counts.spooled_total);
    const entries = await dlqEntriesOf(runId);
    expect(new Set(entries.map((e) => e.key)).size).toBe(entries.length);

    expect(await replay(runId)).toMatchObject({ replayed: redisFailed, remaining: 0 });
    expect(await waitForStoredPoints(stack.vm, runId, 200)).toEqual({ points: 200, series: 20 });
    expect(await accounting(runId, 200)).toMatchObject({ stored: 200, in_dlq: 0, lost: 0 });
  });

  it('stores duplicate telemetry once, counts duplicate_total exactly and raises one fail-safe command', async () => {
    const gw = await startGateway({ ...stack.baseEnv, GATEWAY_ID: 'gw-dup' });
    stack.gateways.push(gw);
    const runId = `rel-dup-${Date.now()}`;
    const messages = Array.from({ length: 300 }, (_, i) =>
      // The hot one is fresh: the fail-safe never acts on readings older than a minute.
      cookerTelemetry(runId, i, i === 7 ? { tempC: 99, ts: Date.now() } : {}),
    );
    const pub = await mqtt.connectAsync(stack.broker.url, { clientId: `dup-pub-${Date.now()}` });
    await publishTelemetry(pub, messages);
    // The same payloads again, as a device resending after a reconnect does.
    await publishTelemetry(pub, messages);
    await pub.endAsync();

    // Each copy's settle counts it as received; its correction (to duplicate_total) follows with
    // the gateway's next settle or flush (ADR 0050), so wait for the duplicates themselves.
    const counts = await pollUntil(
      async () => (await new RunCounters(stack.client).read(runId)).counts,
      (c) => c.recv_total + c.duplicate_total >= 600 && c.duplicate_total >= 300,
      { intervalMs: 250 },
    );
    expect(counts).toMatchObject({
      recv_total: 300,
      duplicate_total: 300,
      pipeline_success_total: 300,
    });
    expect(await waitForStoredPoints(stack.vm, runId, 300)).toEqual({ points: 300, series: 20 });
    // SIGTERM sends or skips and audits every queued fail-safe command before the gateway exits.
    expect(await gw.stop('SIGTERM')).toBe(0);
    // The copy of the hot reading is judged a duplicate: audited, never a second command.
    const audit = readFileSync(gw.auditLog, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { decision: string; deviceId: string });
    const hot = audit.filter((r) => r.deviceId === messages[7]?.deviceId);
    expect(hot.map((r) => r.decision).sort()).toEqual(['duplicate', 'sent']);
  });

  it('takes a redelivered copy of a stored message whose own write failed as a duplicate, not a DLQ entry', async () => {
    const runId = `rel-copy-${Date.now()}`;
    const [stored, fresh] = [cookerTelemetry(runId, 1), cookerTelemetry(runId, 2)];
    const send = async (messages: ReturnType<typeof cookerTelemetry>[]): Promise<void> => {
      const pub = await mqtt.connectAsync(stack.broker.url, { clientId: `copy-pub-${Date.now()}` });
      await publishTelemetry(pub, messages);
      await pub.endAsync();
    };
    const counts = () => new RunCounters(stack.client).read(runId).then((r) => r.counts);
    const first = await startGateway({ ...stack.baseEnv, GATEWAY_ID: 'gw-copy-store' });
    stack.gateways.push(first);
    await send([stored]);
    await pollUntil(counts, (c) => c.pipeline_success_total === 1, { intervalMs: 250 });
    expect(await first.stop('SIGTERM')).toBe(0);

    // A gateway whose store is unreachable gets the copy and one message never stored.
    const second = await startGateway({
      ...stack.baseEnv,
      GATEWAY_ID: 'gw-copy-nostore',
      INFLUX_URL: 'http://127.0.0.1:1',
      INFLUX_TIMEOUT_MS: '500',
      INFLUX_RETRY_BUDGET_MS: '500',
    });
    stack.gateways.push(second);
    await send([stored, fresh]);
    const after = await pollUntil(
      counts,
      (c) => c.dlq_total + c.spooled_total >= 1 && c.recv_total + c.duplicate_total >= 3,
      { intervalMs: 250 },
    );
    // Its correction (to duplicate_total) follows with the next settle or flush (ADR 0050).
    const settled = await pollUntil(counts, (c) => c.duplicate_total >= 1, { intervalMs: 250 });
    expect(settled).toMatchObject({
      recv_total: 2,
      duplicate_total: 1,
      influx_fail_total: 1,
      pipeline_success_total: 1,
      dlq_total: 1,
    });
    expect(after.dlq_total).toBe(1);
    // Only the message never stored waits for a replay; the copy is in the store once.
    expect((await dlqEntriesOf(runId)).map((e) => e.deviceId)).toEqual([fresh.deviceId]);
    expect(await accounting(runId, 2)).toMatchObject({ stored: 1, in_dlq: 1, lost: 0 });
    expect(await waitForStoredPoints(stack.vm, runId, 1)).toEqual({ points: 1, series: 1 });
  });
});
