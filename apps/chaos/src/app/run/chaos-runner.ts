import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { FaultGuard, TcpFaultProxy, type FaultInjector } from '@sousvide/chaos-faults';
import {
  accountForRun,
  QUEUE_NAMES,
  type BusinessSummary,
  type ConnectionSummary,
  type LossAccounting,
} from '@sousvide/loadtest-contracts';
import { RedisClientFactory } from '@sousvide/platform';
import { dlqCensus, RunCounters } from '@sousvide/run-accounting';
import type { ChaosOptions } from '../cli/chaos-args';
import { buildChaosReport, type ChaosReport, type Sampled } from '../report/chaos-report';
import type { SecondSample } from '../report/recovery';
import { parseGatewayMetrics, p95Between, type GatewayScrape } from './gateway-scrape';
import { ChaosGateway } from './chaos-gateway';
import { freePort, makeDirSync } from '@sousvide/shared-util';
import { appEntry, sleep, startChild, type Child } from './processes';
import { scenarioFault } from './scenario-fault';

/** Thrown for problems the user must fix before any load (exit 2): e.g. a missing container. */
export class ChaosSetupError extends Error {}

/**
 * One chaos scenario end to end: an Influx fault proxy and a gateway it starts itself, the
 * simulator's load through the coordinator CLI, a per-second sampler on the gateway's metrics,
 * the fault injected and always lifted (FaultGuard, also on Ctrl-C), then drain, replay and the
 * loss accounting.
 */
export class ChaosRunner {
  private readonly log: (line: string) => void;
  private readonly children: Child[] = [];
  private gateway?: ChaosGateway;

  constructor(
    private readonly o: ChaosOptions,
    private readonly command: string,
    log?: (line: string) => void,
  ) {
    this.log = log ?? ((line) => process.stderr.write(`chaos: ${line}\n`));
  }

  async run(guard: FaultGuard): Promise<ChaosReport> {
    const o = this.o;
    const runDir = join(o.artifactsDir, o.runId);
    if (existsSync(runDir)) {
      throw new ChaosSetupError(
        `run id ${o.runId} already has artifacts in ${runDir}; choose another`,
      );
    }
    const chaosDir = join(runDir, 'chaos');
    // The gateway's spool lives with the run's other evidence: what it still holds at the end is
    // the report's "in spool", and a directory under /tmp per run was never removed.
    const spoolDir = join(chaosDir, 'spool');
    makeDirSync(spoolDir);

    const influx = new URL(o.influxUrl);
    const proxy = new TcpFaultProxy({
      upstreamHost: influx.hostname,
      upstreamPort: Number(influx.port || 80),
      protocol: 'http',
    });
    await proxy.start();
    const opsPort = await freePort();
    const gateway = new ChaosGateway(
      {
        MQTT_URL: o.mqttUrl,
        REDIS_URL: o.redisUrl,
        INFLUX_URL: proxy.url,
        OPS_PORT: String(opsPort),
        GATEWAY_ID: `chaos-${o.runId}`,
        INGEST_MQTT_SUBSCRIPTION: o.gatewaySubscription,
        ...(o.gatewaySubscription === 'exclusive' ? { INGEST_MQTT_CONNECTIONS: '1' } : {}),
        SPOOL_DIR: spoolDir,
        AUDIT_LOG_PATH: join(chaosDir, 'failsafe-audit.jsonl'),
        LOG_LEVEL: 'info',
      },
      join(chaosDir, 'gateway.log'),
      `http://127.0.0.1:${opsPort}`,
    );
    this.gateway = gateway;
    const { fault, description } = scenarioFault(o, proxy, gateway);
    try {
      await fault.verify();
    } catch (err) {
      await proxy.close();
      throw new ChaosSetupError((err as Error).message);
    }
    const opsUrl = gateway.opsUrl;
    let load: Child | undefined;
    try {
      await gateway.start();
      this.log(`gateway up (ops ${opsUrl}, Influx via ${proxy.route}); starting the load`);
      load = startChild(
        appEntry('sim-coordinator'),
        [
          'loadtest',
          'run',
          ...['--connections', String(o.devices)],
          ...['--partitions', String(Math.max(1, Math.ceil(o.devices / 2500)))],
          ...['--parallelism', String(Math.min(o.devices, 200))],
          ...['--mps', String(o.mps), '--duration', String(o.durationSec)],
          ...['--qos', String(o.qos), '--model', o.model, '--run-id', o.runId],
          ...['--max-attempts', '1', '--broker-url', o.mqttUrl],
        ],
        {
          REDIS_URL: o.simRedisUrl,
          // The coordinator checks MQTT_URL at boot: this run's broker, not the shell's.
          MQTT_URL: o.mqttUrl,
          INGEST_REDIS_URL: o.redisUrl,
          ARTIFACTS_DIR: o.artifactsDir,
          DRAIN_WINDOW_SEC: '60',
        },
        join(chaosDir, 'loadtest.log'),
      );
      this.children.push(load);
      const sampled = await this.sample(opsUrl, load, guard, fault, proxy);
      await load.exited;
      await this.waitSpoolEmpty(opsUrl);
      const replay = await this.replay(chaosDir);
      const connection = readJson<ConnectionSummary>(
        join(runDir, 'attempt-1', 'connection-summary.json'),
      );
      const business = readJson<BusinessSummary>(
        join(runDir, 'attempt-1', 'business-summary.json'),
      );
      const accounting = connection ? await this.account(connection.published_total) : null;
      return buildChaosReport(o, this.command, sampled, {
        faultDescription: description,
        connection,
        business,
        replay,
        accounting,
        proxyNow: proxy.stats(),
        runDir,
      });
    } finally {
      await guard.liftAll();
      await load?.stop();
      await gateway.stop();
      await proxy.close();
    }
  }

  /** Stops the load and the gateway (Ctrl-C: after the guard lifted the fault). */
  async stopChildren(): Promise<void> {
    await Promise.allSettled([...this.children.map((c) => c.stop(5000)), this.gateway?.stop(5000)]);
  }

  private async scrape(opsUrl: string): Promise<GatewayScrape | undefined> {
    try {
      const res = await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(900) });
      return parseGatewayMetrics(await res.text());
    } catch {
      return undefined; // a missed second shows as a gap in the series
    }
  }

  /**
   * Samples the gateway every second while the load runs. The series' second 0 is the first
   * second with traffic; the fault is injected at fault-at and lifted fault-seconds later.
   */
  private async sample(
    opsUrl: string,
    load: Child,
    guard: FaultGuard,
    fault: FaultInjector,
    proxy: TcpFaultProxy,
  ): Promise<Sampled> {
    const o = this.o;
    const series: SecondSample[] = [];
    let prev = await this.scrape(opsUrl);
    let t0: number | undefined;
    let injectedAt: string | null = null;
    let liftedAt: string | null = null;
    let liftStartSec: number | null = null;
    let atFaultStart: GatewayScrape | undefined;
    let proxyAtStart: Record<string, number> = {};
    let loadDone = false;
    void load.exited.then(() => (loadDone = true));
    const tick = 1000;
    // The fault lasts fault-seconds from when it took effect: on a busy machine `docker pause`
    // itself can take seconds, and a window counted from fault-at would shrink to nothing.
    const faultMs = o.faultSeconds * 1000;
    let next = Date.now() + tick;
    // Bounded: the load's duration plus its connect, drain and summary time.
    const deadline = Date.now() + (o.durationSec + 300) * 1000;
    while (!loadDone && Date.now() < deadline) {
      await sleep(Math.max(0, next - Date.now()));
      next += tick;
      const cur = await this.scrape(opsUrl);
      if (cur && prev && cur.startTime !== prev.startTime) {
        // A restarted gateway (gateway-kill) counts from zero again.
        prev = parseGatewayMetrics('');
      }
      if (t0 === undefined && cur && prev && cur.received > 0) {
        t0 = Date.now() - tick;
      }
      // The fault's clock goes on while the gateway does not answer (gateway-kill).
      if (t0 !== undefined) {
        const t = Math.round((Date.now() - t0) / 1000) - 1;
        if (cur && prev) {
          series.push({
            t,
            received: cur.received - prev.received,
            stored: cur.stored - prev.stored,
            failed: cur.failed - prev.failed,
            dlq: cur.dlq - prev.dlq,
            spool: cur.spool,
            p95Ms: p95Between(prev, cur),
          });
        }
        if (!injectedAt && t + 1 >= o.faultAt) {
          atFaultStart = cur ?? prev;
          proxyAtStart = { ...proxy.stats() };
          this.log(`t=${t + 1}s injecting: ${fault.description}`);
          await guard.inject(fault);
          injectedAt = new Date().toISOString();
        } else if (injectedAt && !liftedAt && Date.now() >= Date.parse(injectedAt) + faultMs) {
          this.log(`t=${t + 1}s lifting: ${fault.description}`);
          liftStartSec = (Date.now() - t0) / 1000;
          await guard.lift(fault);
          liftedAt = new Date().toISOString();
        }
      }
      prev = cur ?? prev;
    }
    return { series, atFaultStart, atEnd: prev, injectedAt, liftedAt, liftStartSec, proxyAtStart };
  }

  private async waitSpoolEmpty(opsUrl: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const s = await this.scrape(opsUrl);
      if (s && s.spool === 0) {
        return;
      }
      await sleep(500);
    }
    this.log('the gateway spool did not drain within 60 s; accounting counts what is left');
  }

  /** The automatic replay: the replayer CLI against the real store (not through the proxy). */
  private async replay(chaosDir: string): Promise<Record<string, unknown> | null> {
    const out = join(chaosDir, 'replay.json');
    const child = startChild(
      appEntry('dlq-replayer'),
      ['replay', '--run-id', this.o.runId, '--json'],
      { REDIS_URL: this.o.redisUrl, INFLUX_URL: this.o.influxUrl, LOG_LEVEL: 'warn' },
      out,
    );
    const code = await child.exited;
    if (code !== 0) {
      this.log(`the replay exited with ${code}; see ${out}`);
      return null;
    }
    const line = readFileSync(out, 'utf8').trim().split('\n').pop() ?? '';
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      return null;
    }
  }

  private async account(published: number): Promise<LossAccounting> {
    const clients = new RedisClientFactory();
    const redis = clients.create('command', this.o.redisUrl);
    const queue = new Queue(QUEUE_NAMES.dlq, { connection: redis });
    try {
      const [snap, census] = await Promise.all([
        new RunCounters(redis).read(this.o.runId),
        dlqCensus(queue, this.o.runId),
      ]);
      return accountForRun({ published, counts: snap.counts, inDlq: census.total, bypass: false });
    } finally {
      await queue.close().catch(() => undefined);
      await clients.closeAll();
    }
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
