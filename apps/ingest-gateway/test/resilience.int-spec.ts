import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { BusinessSummary } from '@sousvide/loadtest-contracts';
import { countMessages, MqttService, waitFor } from '@sousvide/testing';
import { metric, startGateway } from './gateway-process';
import { loadArgs, runLoad, useIngestStack } from './ingest-stack';

describe('ingest gateway faults: store down, fail-safe, SIGTERM', () => {
  const stack = useIngestStack();
  const gateways = stack.gateways;
  let broker: MqttService;
  let baseEnv: Record<string, string>;
  beforeAll(() => {
    ({ broker, baseEnv } = stack);
  });

  it('dead-letters every message with kind influx when the store is down, and keeps heartbeats', async () => {
    gateways.push(
      await startGateway({
        ...baseEnv,
        GATEWAY_ID: 'gw-noinflux',
        INFLUX_URL: 'http://127.0.0.1:1',
        INFLUX_TIMEOUT_MS: '500',
        // Each batch dead-letters after its retries (15 s by default): what is under test is
        // that it does, not how long the gateway keeps retrying.
        INFLUX_RETRY_BUDGET_MS: '500',
      }),
    );
    const runId = `gw-noinflux-${Date.now()}`;
    const artifacts = mkdtempSync(join(tmpdir(), 'gw-runs-'));
    await runLoad(
      loadArgs({ connections: 20, partitions: 1, parallelism: 20, mps: 1, duration: 2, runId }),
      { ...baseEnv, ARTIFACTS_DIR: artifacts, DRAIN_WINDOW_SEC: '60' },
    );
    const biz = JSON.parse(
      readFileSync(join(artifacts, runId, 'attempt-1', 'business-summary.json'), 'utf8'),
    ) as BusinessSummary;
    expect(biz).toMatchObject({
      recv_total: 40,
      influx_ok_total: 0,
      influx_fail_total: 40,
      redis_ok_total: 40,
      dlq_total: 40,
      pipeline_success_total: 0,
    });
    expect(biz.slo.find((s) => s.name === 'Influx write failure rate')?.pass).toBe(false);
  });

  it('sends one fail-safe command per device per cooldown, outside the handler, with an audit record', async () => {
    const gw = await startGateway({
      ...baseEnv,
      GATEWAY_ID: 'gw-safe',
      FAILSAFE_COOLDOWN_SEC: '60',
    });
    gateways.push(gw);
    const stored = await metric(gw.opsUrl, 'ingest_pipeline_success_total');
    const control = countMessages(broker.url, 'sousvide/sv-hot-1/control');
    await control.ready;
    const pub = await mqtt.connectAsync(broker.url, { clientId: `hot-pub-${Date.now()}` });
    for (let seq = 0; seq < 5; seq += 1) {
      const hot = {
        v: 1,
        deviceId: 'sv-hot-1',
        seq,
        ts: Date.now(),
        tempC: 99.5,
        targetC: 60,
        heaterOn: true,
        pumpOn: true,
        waterLevel: 0.8,
        state: 'cooking',
      };
      await pub.publishAsync('sousvide/sv-hot-1/telemetry', JSON.stringify(hot), { qos: 1 });
    }
    await pub.endAsync();
    // All five stored (each was checked), then SIGTERM: the gateway sends or skips and audits
    // every queued command before it exits. A marker sent after that arrives after any of them.
    await waitFor(
      'the five hot readings to be stored',
      async () => (await metric(gw.opsUrl, 'ingest_pipeline_success_total')) >= stored + 5,
    );
    expect(await gw.stop('SIGTERM')).toBe(0);
    await control.settle('sousvide/sv-hot-1/control');
    await control.stop();
    expect(control.count()).toBe(1);
    // Every decision is audited: one command sent, the four later readings suppressed.
    const audit = readFileSync(gw.auditLog, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { who: string; decision: string; reason: string; deviceId: string },
      );
    expect(audit.map((r) => r.decision).sort()).toEqual(['sent', ...Array(4).fill('suppressed')]);
    expect(audit.find((r) => r.decision === 'sent')).toMatchObject({
      who: 'gw-safe',
      reason: 'overtemp',
      deviceId: 'sv-hot-1',
    });
  });

  it('on SIGTERM stops taking messages and drains, while another instance carries the load: nothing lost', async () => {
    const a = await startGateway({ ...baseEnv, GATEWAY_ID: 'gw-term-a' });
    const b = await startGateway({ ...baseEnv, GATEWAY_ID: 'gw-term-b' });
    gateways.push(a, b);
    const runId = `gw-term-${Date.now()}`;
    const artifacts = mkdtempSync(join(tmpdir(), 'gw-runs-'));
    const load = runLoad(
      loadArgs({ connections: 100, partitions: 1, parallelism: 50, mps: 5, duration: 8, runId }),
      { ...baseEnv, ARTIFACTS_DIR: artifacts },
    );
    // Mid-run by what has arrived, not by the clock: A took a good part of its ~2,000 share.
    await waitFor(
      'gateway A to take part of the load',
      async () => (await metric(a.opsUrl, 'ingest_recv_total')) >= 500,
      { timeoutMs: 60_000 },
    );
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(a.output()).toContain('drained and closed');
    const res = await load;
    expect(res.code).toBe(0);
    const biz = JSON.parse(
      readFileSync(join(artifacts, runId, 'attempt-1', 'business-summary.json'), 'utf8'),
    ) as BusinessSummary;
    // Nothing lost: every message reached a gateway and is stored or dead-lettered (a store
    // write timing out on a starved machine is a DLQ entry, not a loss).
    expect(biz.recv_total).toBe(4000);
    expect(biz.accounting).toMatchObject({ published: 4000, lost: 0 });
  });
});
