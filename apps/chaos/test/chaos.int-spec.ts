import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  backgroundRuns,
  startMosquitto,
  startEachOrThrow,
  startRedis,
  startVictoriaMetrics,
  TEST_INFLUX_TOKEN_ENV,
  waitForStoredPoints,
  type MqttService,
  type RedisService,
  type VictoriaMetricsService,
} from '@sousvide/testing';
import type { ConnectionSummary } from '@sousvide/loadtest-contracts';
import type { ChaosReport } from '../src/app/report/chaos-report';
import { HEALTHY, type SecondSample } from '../src/app/report/recovery';

const ROOT = resolve(__dirname, '../../..');
const CHAOS = join(ROOT, 'dist/apps/chaos/main.js');
/** The MTTR this suite holds every scenario to (issue 5: e.g. 10 s after the fault ends). */
const MTTR_BOUND_SEC = 10;
/**
 * The devices' reconnect backoff cap for these short runs. With the 15 s default, a device whose
 * last attempt failed just before the broker came back may sleep up to 15 s more: past the end of
 * a 23 s run whose fault ends at 8 s, where the partition counts it still disconnected although
 * nothing is wrong with it (seen in runs on a busy machine). 3 s brings every device back well
 * before the load ends, so the suite can demand that all of them do.
 */
const RECONNECT_CAP_MS = 3000;
/** gateway-kill's recovery includes a gateway process's boot (up to ~20 s on a starved box). */
const GATEWAY_BOOT_MTTR_BOUND_SEC = 30;
/**
 * Every scenario's timeline: a few seconds of steady load, the fault, then load for as long as
 * the bound plus HEALTHY.window (15 s) so a recovery of up to MTTR_BOUND_SEC is still seen.
 */
const FAULT_AT_SEC = 3;
const FAULT_SECONDS = 5;
const RECOVERY_WINDOW_SEC = 15;
/** gateway-kill: the load goes on for the gateway's boot bound and a few seconds more. */
const GATEWAY_BOOT_WINDOW_SEC = 34;
/**
 * The coordinator's drain stops once the gateways received nothing new for this long (default
 * 10 s). broker-restart with Mosquitto 2.0 loses a few messages (see its test): the drain would
 * sit out the whole stall for them. chaos accounts for the run itself, after the load ends.
 */
const DRAIN_STALL_SEC = 3;

/**
 * Seconds from the fault's end to the first of HEALTHY.window samples with traffic in a row in
 * which the gateway stored at least HEALTHY.successPct of what it received; null when that never
 * came. Samples without traffic are left out: a starved sampler takes two scrapes within one
 * second now and then (the second sees nothing new). The report's own MTTR also wants
 * p95 <= 200 ms and contiguous seconds: on a shared 2-core machine a starved generator's latency
 * speaks of the machine, not of the recovery, so the suite leaves those to the report and checks
 * that the verdict and exit code agree with it.
 */
function storingAgainAfterSec(report: ChaosReport): number | null {
  const after = report.series.filter((s) => s.t >= report.fault.endSec && s.received > 0);
  const storing = (s: SecondSample): boolean => (s.stored / s.received) * 100 >= HEALTHY.successPct;
  for (let i = 0; i + HEALTHY.window <= after.length; i += 1) {
    if (after.slice(i, i + HEALTHY.window).every(storing)) {
      return (after[i]?.t ?? report.fault.endSec) - report.fault.endSec;
    }
  }
  return null;
}

/**
 * The services a sequence of scenarios runs against. A scenario's fault hits its lane's backend
 * Redis or broker (or only its own gateway and Influx proxy), and the simulator's control plane
 * (the partitions queue) is one per Redis: two lanes run side by side without one's fault or load
 * reaching the other's. Every scenario has its own run id.
 *
 * Each lane has its own store too: both lanes' devices are the same fleet (sv-000000...), and the
 * store keeps one point per device series and millisecond, so two runs at once in one store could
 * overwrite each other's points where their timestamps meet (a CI run once found 452 and 727
 * points of two concurrent runs missing from a shared store).
 */
interface Lane {
  backendRedis: RedisService;
  simRedis: RedisService;
  broker: MqttService;
  store: VictoriaMetricsService;
}

/** One scenario run: how it exited and what it printed (its JSON report on success). */
interface Outcome {
  name: string;
  runId: string;
  store: VictoriaMetricsService;
  mttrBoundSec: number;
  code: number | null;
  out: string;
  err: string;
}

/**
 * Each scenario at a few hundred devices with a fault of several seconds, against real
 * containers: the backend's Redis (the one the fault hits), a separate Redis for the simulator's
 * control plane, Mosquitto and VictoriaMetrics. The scenarios run in two lanes side by side (one
 * after another within a lane); each test awaits its own scenario and checks it.
 */
describe('chaos scenarios (real containers, small scale)', () => {
  let laneA: Lane;
  let laneB: Lane;
  let persistentBroker: MqttService;
  let artifacts: string;
  const runs = backgroundRuns<Outcome>();
  const containers: { stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    // $SYS every second: each run's coordinator reads the broker's store figures before it
    // dispatches (and after a drain that did not complete) from the next update (ADR 0027).
    // Every container that started is kept for the afterAll, also when another failed to start.
    const [a, aSim, aBroker, aStore, b, bSim, bBroker, bStore, persistent] = await startEachOrThrow(
      [
        startRedis({ fixedHostPort: true }),
        startRedis(),
        startMosquitto({ sysIntervalSec: 1 }),
        startVictoriaMetrics(),
        startRedis(),
        startRedis(),
        startMosquitto({ sysIntervalSec: 1 }),
        startVictoriaMetrics(),
        startMosquitto({ persistence: true, sysIntervalSec: 1 }),
      ],
      (started) => containers.push(started),
    );
    laneA = { backendRedis: a, simRedis: aSim, broker: aBroker, store: aStore };
    laneB = { backendRedis: b, simRedis: bSim, broker: bBroker, store: bStore };
    persistentBroker = persistent;
    artifacts = mkdtempSync(join(tmpdir(), 'chaos-runs-'));
    // Lane A: the faults on its Redis and its brokers; lane B: the ones on its own processes.
    runs.sequence([
      [
        'redis-outage',
        () =>
          run(laneA, 'redis-outage', ['--redis-container', laneA.backendRedis.container.getId()]),
      ],
      [
        'broker-restart',
        () => run(laneA, 'broker-restart', ['--broker-container', laneA.broker.containerId]),
      ],
      [
        'broker-restart-persistent',
        () =>
          run({ ...laneA, broker: persistentBroker }, 'broker-restart', [
            '--broker-container',
            persistentBroker.containerId,
            '--gateway-subscription',
            'exclusive',
          ]),
      ],
    ]);
    runs.sequence([
      // Its MTTR includes booting a new gateway process, slow on a busy 2-core machine; a longer
      // load leaves traffic after the restart to recover on.
      [
        'gateway-kill',
        () => run(laneB, 'gateway-kill', [], GATEWAY_BOOT_MTTR_BOUND_SEC, GATEWAY_BOOT_WINDOW_SEC),
      ],
      ['influx-spike', () => run(laneB, 'influx-spike', ['--error-rate', '0.5'])],
    ]);
  });
  afterAll(async () => {
    // A test that failed early must not stop the containers under a scenario still running.
    await runs.settled();
    await Promise.allSettled(containers.map((c) => c.stop()));
  });

  function chaos(
    args: string[],
    lane: Lane = laneA,
  ): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((res) => {
      const child = spawn(process.execPath, [CHAOS, ...args], {
        cwd: ROOT,
        env: {
          ...process.env,
          ...TEST_INFLUX_TOKEN_ENV,
          ARTIFACTS_DIR: artifacts,
          REDIS_URL: lane.backendRedis.url,
          SIM_REDIS_URL: lane.simRedis.url,
          MQTT_URL: lane.broker.url,
          INFLUX_URL: lane.store.url,
          // Passed through the chaos runner to the coordinator, which sets the devices' backoff.
          RECONNECT_CAP_MS: String(RECONNECT_CAP_MS),
          DRAIN_STALL_SEC: String(DRAIN_STALL_SEC),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => res({ code, out, err }));
    });
  }

  /** Runs a scenario on `lane` at the suite's timeline. */
  async function run(
    lane: Lane,
    name: string,
    args: string[],
    mttrBoundSec = MTTR_BOUND_SEC,
    afterFaultSec = RECOVERY_WINDOW_SEC,
  ): Promise<Outcome> {
    const runId = `${name}-${Date.now()}`;
    const durationSec = FAULT_AT_SEC + FAULT_SECONDS + afterFaultSec;
    const result = await chaos(
      [
        name,
        ...['--devices', '200', '--fault-at', String(FAULT_AT_SEC)],
        ...['--fault-seconds', String(FAULT_SECONDS), '--duration', String(durationSec)],
        ...['--mttr-bound', String(mttrBoundSec), '--run-id', runId, '--json'],
        ...args,
      ],
      lane,
    );
    return { name, runId, store: lane.store, mttrBoundSec, ...result };
  }

  /** Awaits the scenario run under `key` and checks what every scenario must show. */
  async function scenario(key: string): Promise<ChaosReport> {
    const { name, runId, store, mttrBoundSec, code, out, err } = await runs.get(key);
    let report: ChaosReport;
    try {
      report = JSON.parse(out) as ChaosReport;
    } catch {
      throw new Error(`no JSON report (exit ${code}):\n${out}\n${err}`);
    }
    // What the scenario saw, in the log: a failed expectation below is read against it.
    console.log(JSON.stringify({ name, fault: report.fault, signature: report.signature }));
    const dir = join(artifacts, runId);
    // The report files and the run's usual summaries, consistent with each other.
    expect(existsSync(join(dir, 'chaos', 'chaos-report.json'))).toBe(true);
    expect(readFileSync(join(dir, 'chaos', 'chaos-report.md'), 'utf8')).toContain(
      `Chaos: ${name} (${runId})`,
    );
    const connection = JSON.parse(
      readFileSync(join(dir, 'attempt-1', 'connection-summary.json'), 'utf8'),
    ) as ConnectionSummary;
    expect(existsSync(join(dir, 'attempt-1', 'business-summary.json'))).toBe(true);
    expect(report.accounting?.published).toBe(connection.published_total);
    expect(connection.published_total).toBeGreaterThan(0);
    // Recovered within the bound, the fault lifted, the store holds what the accounting says.
    const recoverySec = storingAgainAfterSec(report);
    expect({ recoverySec, series: report.series }).toMatchObject({
      recoverySec: expect.any(Number),
    });
    expect(recoverySec).toBeLessThanOrEqual(mttrBoundSec);
    expect(report.fault.injectedAt).not.toBeNull();
    expect(report.fault.liftedAt).not.toBeNull();
    expect(report.accounting).toMatchObject({ in_dlq: 0, in_spool: 0 });
    const stored = report.accounting?.stored ?? -1;
    // A shortfall comes with which points are missing and the store's state.
    expect(await waitForStoredPoints(store, runId, stored)).toMatchObject({ points: stored });
    // The verdict is exactly "recovered in time and nothing lost", and the exit code says it.
    const { recovered, mttrSec } = report.recovery;
    const inTime = recovered && mttrSec !== null && mttrSec <= mttrBoundSec;
    expect(report.verdict.pass).toBe(inTime && report.accounting?.lost === 0);
    expect(code).toBe(report.verdict.pass ? 0 : 1);
    return report;
  }

  it('redis-outage: heartbeats and DLQ fail over to the spool, Influx writes go on, the spool drains', async () => {
    const report = await scenario('redis-outage');
    // Counted, not sampled: the 1 s spool gauge can miss a spool that fills and drains between two
    // scrapes, or fill after the fault window when a busy machine slows the Redis timeouts.
    expect(report.signature.dlq['spooled']).toBeGreaterThan(0);
    expect(report.signature.gateway['failed']).toBeGreaterThan(0);
    expect(report.replay).toMatchObject({ failed_again: 0, remaining: 0 });
    expect(Number(report.replay?.['replayed'])).toBeGreaterThan(0);
  });

  it('influx-spike: 50 % of writes answered 503 are backed off and retried, none lost', async () => {
    const report = await scenario('influx-spike');
    expect(report.accounting?.lost).toBe(0);
    expect(report.signature.influxProxy?.['requestsFailed']).toBeGreaterThan(0);
    expect(report.signature.influxProxy?.['requestsForwarded']).toBeGreaterThan(0);
  });

  it('broker-restart: devices and the gateway reconnect with spread-out backoff, no process restart', async () => {
    const report = await scenario('broker-restart');
    const connection = JSON.parse(
      readFileSync(join(artifacts, report.runId, 'attempt-1', 'connection-summary.json'), 'utf8'),
    ) as ConnectionSummary;
    expect(connection.reconnects).toMatchObject({ lost_total: 200, still_disconnected_total: 0 });
    expect(connection.reconnects?.succeeded_total).toBe(200);
    // No thundering herd: the reconnects spread over more than a second.
    expect(connection.reconnects?.spread_ms).toBeGreaterThan(1000);
    expect(report.signature.simulator['disconnect.broker_disconnect']).toBe(200);
    // Mosquitto 2.0 drops what devices publish between its restart and the gateway's new
    // SUBSCRIBE (shared subscriptions are not kept, docs/chaos.md): reported as lost. The bound
    // catches a gateway that never subscribes again (that would lose everything after the fault).
    expect(report.accounting?.lost).toBeLessThan(connection.published_total * 0.05);
  });

  it('broker-restart with a persistent broker and an exclusive gateway subscription: nothing lost', async () => {
    const report = await scenario('broker-restart-persistent');
    // The broker keeps the gateway's plain subscription and queues for it while it reconnects.
    expect(report.accounting?.lost).toBe(0);
  });

  it('gateway-kill: a gateway SIGKILLed under load and restarted with its GATEWAY_ID loses nothing', async () => {
    const report = await scenario('gateway-kill');
    expect(report.accounting?.lost).toBe(0);
  });

  it('refuses an unknown scenario, a fault longer than the run and a missing container with exit 2, starting no load', async () => {
    const unknown = await chaos(['flood']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('unknown scenario "flood"');
    const long = await chaos([
      'redis-outage',
      '--fault-at',
      '10',
      '--fault-seconds',
      '30',
      '--duration',
      '20',
    ]);
    expect(long.code).toBe(2);
    expect(long.err).toContain('must end before the load does');
    const runId = `missing-${Date.now()}`;
    const missing = await chaos([
      'redis-outage',
      '--redis-container',
      'no-such-container',
      '--run-id',
      runId,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('no-such-container');
    expect(existsSync(join(artifacts, runId, 'attempt-1'))).toBe(false);
  });
});
