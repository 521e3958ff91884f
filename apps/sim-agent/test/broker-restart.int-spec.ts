import {
  CLIENT_MODELS,
  ClientModel,
  PartitionResult,
  PartitionSpec,
  totalFailures,
} from '@sousvide/loadtest-contracts';
import { LatencyHistogram } from '@sousvide/shared-util';
import {
  backgroundRuns,
  BrokerOutage,
  MqttService,
  startAllOrThrow,
  startMosquitto,
  waitFor,
} from '@sousvide/testing';
import { clientFactoryFor } from '../src/app/clients/client-models';
import { PartitionRunner } from '../src/app/partition/partition-runner';
import { ConnectWindow } from '../src/app/partition/connect-window';

const DEVICES = 300;
const DURATION_SEC = 24;
/** Seconds of publishing (1 msg/s per device) before the broker restarts. */
const RESTART_AFTER_SEC = 6;
const DOWN_MS = 3000;
const BACKOFF = { baseMs: 500, capMs: 4000 };
/** Every device must be back this long after the broker answers again (cap + scheduling slack). */
const BACK_WITHIN_MS = BACKOFF.capMs + 4000;

function spec(model: ClientModel, brokerUrl: string): PartitionSpec {
  return {
    runId: `restart-${model}-${Date.now()}`,
    attempt: 1,
    part: 0,
    partitions: 1,
    connections: DEVICES,
    deviceOffset: 0,
    connectParallelism: 100,
    mps: 1,
    durationSec: DURATION_SEC,
    qos: 1,
    model,
    brokerUrl,
    connectTimeoutMs: 5000,
    publishTimeoutMs: 15_000,
    keepaliveSec: 30,
    reconnect: BACKOFF,
    deadlineAt: Date.now() + 120_000,
  };
}

/** Runs one partition in this process; restarts the broker RESTART_AFTER_SEC into publishing. */
async function runWithRestart(
  broker: MqttService,
  model: ClientModel,
): Promise<{ result: PartitionResult; outage: BrokerOutage; log: string[] }> {
  const log: string[] = [];
  let published = 0;
  const runner = new PartitionRunner(spec(model, broker.url), {
    clientFactory: clientFactoryFor(model),
    connectWindow: new ConnectWindow(),
    security: {},
    agentId: 'int-test',
    report: (progress) => {
      published = progress.published;
    },
    log: (line) => log.push(line),
    waitForStart: () => Promise.resolve(Date.now() + 500),
    isAborted: () => false,
  });
  const running = runner.run();
  // By what the devices have done, not by the clock: about RESTART_AFTER_SEC of messages acked.
  await waitFor('the devices to publish before the restart', () => {
    return published >= DEVICES * RESTART_AFTER_SEC;
  });
  const outage = await broker.restart({ downMs: DOWN_MS });
  return { result: await running, outage, log };
}

type Restarted = Awaited<ReturnType<typeof runWithRestart>>;

/**
 * Each model runs against a broker of its own, both at once (they share neither broker nor
 * devices): started before the first test, each test awaits and checks its model's run.
 */
const brokers: MqttService[] = [];
const runs = backgroundRuns<Restarted, ClientModel>();

beforeAll(async () => {
  await startAllOrThrow(
    CLIENT_MODELS,
    () => startMosquitto(),
    (broker) => brokers.push(broker),
  );
  CLIENT_MODELS.forEach((model, i) => {
    runs.start(model, () => runWithRestart(brokers[i], model));
  });
});
afterAll(async () => {
  // A failed test must not stop a broker under the other model's run.
  await runs.settled();
  await Promise.allSettled(brokers.map((b) => b.stop()));
});

describe.each(CLIENT_MODELS)('%s devices across a broker restart', (model) => {
  it('reconnect with spread-out backoff and account for every scheduled send exactly once', async () => {
    const { result, outage, log } = await runs.get(model);
    const r = result.reconnects;
    if (!r) {
      throw new Error('no reconnect statistics in the result');
    }
    const perSecond = Object.entries(r.perSecond).sort(([a], [b]) => Number(a) - Number(b));
    const delay = LatencyHistogram.fromJSON(r.delay).stats();
    // The figures a chaos report shows; printed so a run leaves them in the CI log.
    console.log(
      JSON.stringify({
        model,
        outageMs: outage.upAt - outage.downAt,
        lost: r.lost,
        attempts: r.attempts,
        back: r.succeeded,
        firstAfterUpMs: r.firstAt - outage.upAt,
        lastAfterUpMs: r.lastAt - outage.upAt,
        spreadMs: r.lastAt - r.firstAt,
        perSecond: perSecond.map(([, n]) => n),
        delayMs: delay,
        published: result.published,
        failed: result.failed,
        failures: Object.fromEntries(
          Object.entries(result.publishFailures).filter(([, n]) => n > 0),
        ),
      }),
    );

    expect(result.connected).toBe(DEVICES);
    // Every device lost its connection once and came back, within the stated bound.
    expect(r.lost).toBe(DEVICES);
    expect(totalFailures(result.disconnects)).toBe(DEVICES);
    expect(r.succeeded).toBe(DEVICES);
    expect(r.stillDisconnected).toBe(0);
    expect(r.lastAt - outage.upAt).toBeLessThanOrEqual(BACK_WITHIN_MS);
    // No herd: the reconnects spread over seconds, not one burst.
    expect(r.lastAt - r.firstAt).toBeGreaterThan(1000);
    expect(Math.max(...perSecond.map(([, n]) => n))).toBeLessThan(DEVICES * 0.8);
    // Exact accounting: every scheduled send is published or failed by class, once.
    expect(result.scheduled).toBe(DEVICES * DURATION_SEC);
    expect(result.published + result.failed).toBe(result.scheduled);
    expect(totalFailures(result.publishFailures)).toBe(result.failed);
    // Sends missed while away fail as not_connected; the rest of the run is published.
    expect(result.publishFailures.not_connected).toBeGreaterThan(0);
    expect(result.published).toBeGreaterThan(result.scheduled * 0.5);
    expect(result.aborted).toBe(false);
    expect(log.some((l) => l.startsWith('reconnects lost=300'))).toBe(true);
  });
});
