import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { DlqProducer } from '@sousvide/ingest-storage';
import { RunCounters } from '@sousvide/run-accounting';
import { dlqJobId, QUEUE_NAMES, type DlqEntry } from '@sousvide/loadtest-contracts';
import {
  freePort,
  readStoredPoints,
  reportOf,
  runReplayer,
  startReplayer,
  waitForStoredPoints,
  startRedis,
  startVictoriaMetrics,
  storeCaughtUp,
  waitFor,
  type RedisService,
  type VictoriaMetricsService,
} from '@sousvide/testing';
import { corruptEntry, influxEntry, parseEntry } from './factories/dlq-entry.factory';

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
let runSeq = 0;
const newRunId = (): string => `replay-int-${Date.now()}-${runSeq++}`;

describe('dlq-replayer (real Redis and VictoriaMetrics)', () => {
  let redis: RedisService;
  let vm: VictoriaMetricsService;
  let client: Redis;
  let producer: DlqProducer;
  let queue: Queue;
  let env: Record<string, string>;

  beforeAll(async () => {
    [redis, vm] = await Promise.all([startRedis(), startVictoriaMetrics()]);
    client = new Redis(redis.url);
    producer = new DlqProducer(redis.url);
    queue = new Queue(QUEUE_NAMES.dlq, { connection: { host: redis.host, port: redis.port } });
    env = { REDIS_URL: redis.url, INFLUX_URL: vm.url };
  });
  afterAll(async () => {
    await producer?.close();
    await queue?.close();
    client?.disconnect();
    await Promise.allSettled([redis?.stop(), vm?.stop()]);
  });
  beforeEach(async () => {
    await client.flushall();
  });

  async function seed(entries: DlqEntry[]): Promise<void> {
    const res = await producer.addMany(entries);
    expect(res.failed).toEqual([]);
  }
  const waiting = async (): Promise<number> => (await queue.getJobCounts()).waiting ?? 0;
  const seedMixed = async (runId: string, influx = 200): Promise<void> =>
    seed([
      ...range(influx).map((i) => influxEntry(runId, i)),
      ...range(5).map((i) => parseEntry(runId, i)),
      corruptEntry(runId),
    ]);

  it('stores valid entries, keeps parse failures and corrupt ones, and stores nothing twice', async () => {
    const runId = newRunId();
    await seedMixed(runId);

    const first = await runReplayer(['replay', '--json'], env);
    expect(first.code).toBe(0);
    expect(reportOf(first)).toMatchObject({
      selected: 206,
      replayed: 200,
      skipped_duplicate: 0,
      failed_again: 5,
      corrupt: 1,
      remaining: 6,
      dryRun: false,
    });
    expect(await waiting()).toBe(6);
    expect(await waitForStoredPoints(vm, runId, 200)).toMatchObject({ points: 200 });
    const parseJob = await queue.getJob(dlqJobId('parse', parseEntry(runId, 0).key));
    expect(parseJob?.data).toMatchObject({
      lastReplay: { attempts: 1, error: expect.stringMatching(/^NOT_JSON/) },
    });

    const second = await runReplayer(['replay', '--json'], env);
    expect(reportOf(second)).toMatchObject({ replayed: 0, failed_again: 5, corrupt: 1 });
    expect((await queue.getJob(parseJob?.id ?? ''))?.data).toMatchObject({
      lastReplay: { attempts: 2 },
    });
    // Whatever the second replay wrote is readable once a point written after it is.
    await storeCaughtUp(vm);
    expect((await readStoredPoints(vm, runId)).points).toBe(200);
  });

  it('counts a message dead-lettered in two stages once: one replayed, one duplicate', async () => {
    // The same message failed its store write, then (a redelivered copy) its heartbeat: two
    // entries, one batch. Both are stored (idempotent); only the first commit counts, or the
    // loss accounting would take the second for a message that a real loss then hides behind.
    const runId = newRunId();
    const twice = influxEntry(runId, 3);
    await seed([
      twice,
      { ...twice, kind: 'redis', error: { code: 'REDIS', message: 'heartbeat failed' } },
      influxEntry(runId, 4),
    ]);

    const run = await runReplayer(['replay', '--json'], env);

    expect(run.code).toBe(0);
    expect(reportOf(run)).toMatchObject({ replayed: 2, skipped_duplicate: 1, remaining: 0 });
    expect((await new RunCounters(client).read(runId)).counts).toMatchObject({
      replayed_total: 2,
    });
    expect(await waitForStoredPoints(vm, runId, 2)).toMatchObject({ points: 2 });

    // Dead-lettered again later (one more failed copy): a dry run says what a replay would do.
    await seed([twice]);
    const dry = await runReplayer(['replay', '--dry-run', '--json'], env);
    expect(reportOf(dry)).toMatchObject({ replayed: 0, skipped_duplicate: 1, dryRun: true });
  });

  it('replays a parse entry whose payload the current schema accepts (a schema fix)', async () => {
    const runId = newRunId();
    const valid = influxEntry(runId, 7);
    await seed([{ ...valid, kind: 'parse', error: { code: 'INVALID', message: 'old schema' } }]);
    const run = await runReplayer(['replay', '--kind', 'parse', '--json'], env);
    expect(reportOf(run)).toMatchObject({
      replayed: 1,
      remaining: 0,
      byKind: { parse: { replayed: 1 } },
    });
    expect(await waitForStoredPoints(vm, runId, 1)).toMatchObject({ points: 1 });
  });

  it('changes nothing with --dry-run, even with --export', async () => {
    const runId = newRunId();
    await seedMixed(runId, 20);
    const before = await queue.getJobCounts();
    const file = join(mkdtempSync(join(tmpdir(), 'replay-export-')), 'parse.jsonl');

    const run = await runReplayer(
      ['replay', '--dry-run', '--kind', 'parse', '--export', file, '--json'],
      env,
    );
    expect(reportOf(run)).toMatchObject({ selected: 5, failed_again: 5, dryRun: true });
    expect(await queue.getJobCounts()).toEqual(before);
    expect(await client.keys('replay:claim:*')).toEqual([]);
    expect(
      (await queue.getJob(dlqJobId('parse', parseEntry(runId, 0).key)))?.data,
    ).not.toHaveProperty('lastReplay');
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(5);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ kind: 'parse', runId });
    expect((JSON.parse(lines[0] ?? '{}') as { payload: string }).payload).toContain('"v":1');

    const all = await runReplayer(['replay', '--dry-run', '--json'], env);
    expect(reportOf(all)).toMatchObject({ selected: 26, replayed: 20, remaining: 26 });
    expect(await queue.getJobCounts()).toEqual(before);
    expect((await readStoredPoints(vm, runId)).points).toBe(0);
  });

  it('exits 2 on an unknown --kind without touching the DLQ', async () => {
    await seed([influxEntry(newRunId(), 1)]);
    const run = await runReplayer(['replay', '--kind', 'bogus'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--kind must be one of parse, influx, redis');
    expect(await waiting()).toBe(1);
  });

  it('exits 1 within seconds, not a hang, when Redis is unreachable', async () => {
    const run = await runReplayer(['replay'], {
      ...env,
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Redis at .* is unreachable/);
    // Against a run that fails at once on its arguments, now, on this machine: the preflight may
    // add its few seconds, not BullMQ reconnecting forever.
    const bare = await runReplayer(['replay', '--kind', 'bogus'], env);
    expect(bare.code).toBe(2);
    expect(run.ms).toBeLessThan(bare.ms + 10_000);
  });

  it('leaves entries in the DLQ with the new error when Influx is down', async () => {
    const runId = newRunId();
    await seed(range(10).map((i) => influxEntry(runId, i)));
    const run = await runReplayer(['replay', '--json'], {
      ...env,
      INFLUX_URL: `http://127.0.0.1:${await freePort()}`,
      INFLUX_RETRY_BUDGET_MS: '0',
    });
    expect(reportOf(run)).toMatchObject({ replayed: 0, failed_again: 10, remaining: 10 });
    expect(await waiting()).toBe(10);
    const job = await queue.getJob(dlqJobId('influx', influxEntry(runId, 3).key));
    expect(job?.data).toMatchObject({
      lastReplay: { attempts: 1, error: expect.stringMatching(/^INFLUX_/) },
    });
  });

  it('lets two concurrent replayers share the DLQ without double work', async () => {
    const runId = newRunId();
    await seed(range(300).map((i) => influxEntry(runId, i)));
    const runs = await Promise.all([
      startReplayer(['replay', '--json'], env).done,
      startReplayer(['replay', '--json'], env).done,
    ]);
    const reports = runs.map(reportOf);
    expect(reports.reduce((n, r) => n + Number(r['replayed']), 0)).toBe(300);
    expect(await waiting()).toBe(0);
    expect(await waitForStoredPoints(vm, runId, 300)).toMatchObject({ points: 300 });
  });

  it('on SIGINT finishes the batch in flight, reports exactly and exits 130', async () => {
    const runId = newRunId();
    await seed(range(200).map((i) => influxEntry(runId, i)));
    const replayer = startReplayer(['replay', '--rate', '50', '--json'], env);
    // Interrupt mid-way (50/s: about 4 s for all 200), once entries have left the queue.
    await waitFor('the first replayed entries', async () => (await waiting()) < 200, {
      intervalMs: 50,
    });
    replayer.child.kill('SIGINT');
    const run = await replayer.done;
    expect(run.code).toBe(130);
    const report = reportOf(run);
    expect(report).toMatchObject({ interrupted: true, selected: 200 });
    expect(Number(report['replayed'])).toBeGreaterThan(0);
    expect(Number(report['replayed']) + Number(report['remaining'])).toBe(200);
    expect(await waiting()).toBe(report['remaining']);
  });
});
