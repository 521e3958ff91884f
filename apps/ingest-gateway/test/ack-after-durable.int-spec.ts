import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunCounters } from '@sousvide/run-accounting';
import { waitFor, waitForStoredPoints } from '@sousvide/testing';
import { metric, publishTelemetry, startGateway } from './gateway-process';
import {
  expectEachStoredOnce,
  hangingStore,
  loadArgs,
  runLoad,
  useIngestStack,
} from './ingest-stack';

/**
 * Acknowledge after durable (ADR 0015): the broker forgets a message only once it is stored,
 * dead-lettered or spooled, so a gateway that dies or is stopped mid-batch loses nothing.
 */
describe('ingest gateway: acknowledged only once durable', () => {
  const stack = useIngestStack();

  it('SIGKILLed under load and restarted with its GATEWAY_ID: every message stored once, none lost', async () => {
    const env = {
      ...stack.baseEnv,
      GATEWAY_ID: 'gw-kill',
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'gw-spool-')),
    };
    const first = await startGateway(env);
    const runId = `gw-kill-${Date.now()}`;
    const artifacts = mkdtempSync(join(tmpdir(), 'gw-runs-'));
    const load = runLoad(
      loadArgs({ connections: 200, partitions: 1, parallelism: 100, mps: 10, duration: 5, runId }),
      { ...stack.baseEnv, ARTIFACTS_DIR: artifacts, DRAIN_WINDOW_SEC: '90' },
    );
    // Mid-run by what has arrived, not by the clock.
    await waitFor(
      'the first gateway to take part of the load',
      async () => (await metric(first.opsUrl, 'ingest_recv_total')) >= 2000,
      { timeoutMs: 90_000 },
    );
    await first.stop('SIGKILL');
    stack.gateways.push(await startGateway(env));

    const res = await load;
    expect(res.code).toBe(0);
    await expectEachStoredOnce(stack, runId, 10_000, 200);
  });

  it('SIGTERM with the store hanging: exits by its deadline, acks nothing unstored; the restart stores all', async () => {
    const store = await hangingStore();
    const env = {
      ...stack.baseEnv,
      GATEWAY_ID: 'gw-bounded',
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'gw-spool-')),
      INFLUX_URL: store.url,
      INFLUX_TIMEOUT_MS: '600000',
      INFLUX_RETRY_BUDGET_MS: '600000',
      INGEST_SHUTDOWN_DEADLINE_MS: '2000',
    };
    try {
      const first = await startGateway(env);
      const runId = `gw-bounded-${Date.now()}`;
      await publishTelemetry(stack.broker.url, 'bounded', 300, runId);
      await waitFor(
        'all 300 held, none acknowledged',
        async () => (await metric(first.opsUrl, 'ingest_unacked_messages')) === 300,
      );
      const stopping = Date.now();
      expect(await first.stop('SIGTERM')).toBe(0);
      // The deadline (2 s) bounds it, not the store's 600 s timeout: well inside compose's 30 s.
      expect(Date.now() - stopping).toBeLessThan(30_000);
      expect(first.output()).toContain('deadline reached: the rest stays with the broker');

      // The broker kept all 300 in the sessions: the same GATEWAY_ID with a store gets them.
      stack.gateways.push(await startGateway({ ...env, INFLUX_URL: stack.vm.url }));
      expect(await waitForStoredPoints(stack.vm, runId, 300)).toEqual({ points: 300, series: 300 });
      const counters = new RunCounters(stack.client);
      await waitFor(
        'the run counted',
        async () => (await counters.read(runId)).counts.pipeline_success_total === 300,
      );
      expect((await counters.read(runId)).counts).toMatchObject({
        recv_total: 300,
        duplicate_total: 0,
        dlq_total: 0,
      });
    } finally {
      await store.close();
    }
  });
});
