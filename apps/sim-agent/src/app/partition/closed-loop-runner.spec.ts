import type * as mqttPacket from 'mqtt-packet';
import {
  CLIENT_MODELS,
  type PartitionResult,
  type PartitionSpec,
} from '@sousvide/loadtest-contracts';
import { clientFactoryFor } from '../clients/client-models';
import { startFakeBroker, type FakeBroker } from '../clients/fake-broker.testing';
import { PartitionRunner } from './partition-runner';
import { ConnectWindow } from './connect-window';

// Real sockets and a 2 s schedule; a busy machine needs more than jest's 5 s.
jest.setTimeout(60_000);

const WINDOW = 2;
/** The schedule's rate; the broker below acknowledges at most one publish per ACK_EVERY_MS. */
const MPS = 100;
const ACK_EVERY_MS = 20;

function spec(model: PartitionSpec['model'], port: number): PartitionSpec {
  return {
    runId: `closed-${model}`,
    attempt: 1,
    part: 0,
    partitions: 1,
    connections: 1,
    deviceOffset: 0,
    connectParallelism: 1,
    mps: MPS,
    durationSec: 2,
    qos: 1,
    model,
    brokerUrl: `mqtt://127.0.0.1:${port}`,
    connectTimeoutMs: 5000,
    publishTimeoutMs: 30_000,
    keepaliveSec: 30,
    deadlineAt: Date.now() + 60_000,
    loop: 'closed',
    window: WINDOW,
  };
}

const publishesOf = (broker: FakeBroker): mqttPacket.IPublishPacket[] =>
  broker.received.filter((p): p is mqttPacket.IPublishPacket => p.cmd === 'publish');

/**
 * A slow broker: it acknowledges the oldest unacknowledged publish, one per ACK_EVERY_MS, and
 * records the most publishes it ever held unacknowledged (observed before each ack, so an excess
 * stays visible until it is seen).
 */
function slowAcks(broker: FakeBroker): { stop: () => void; maxUnacked: () => number } {
  let acked = 0;
  let maxUnacked = 0;
  const timer = setInterval(() => {
    const publishes = publishesOf(broker).filter((p) => !p.dup);
    const unacked = publishes.length - acked;
    maxUnacked = Math.max(maxUnacked, unacked);
    if (unacked > 0) {
      broker.send({ cmd: 'puback', messageId: publishes[acked].messageId });
      acked += 1;
    }
  }, ACK_EVERY_MS);
  return { stop: () => clearInterval(timer), maxUnacked: () => maxUnacked };
}

/** One partition in this process, started 100 ms from now. */
function runAgainst(partition: PartitionSpec): Promise<PartitionResult> {
  return new PartitionRunner(partition, {
    clientFactory: clientFactoryFor(partition.model),
    connectWindow: new ConnectWindow(),
    security: {},
    agentId: 'unit',
    report: () => undefined,
    log: () => undefined,
    waitForStart: () => Promise.resolve(Date.now() + 100),
    isAborted: () => false,
  }).run();
}

describe.each(CLIENT_MODELS)('closed loop with the %s client model', (model) => {
  let broker: FakeBroker;
  afterEach(async () => {
    await broker?.close();
  });

  it('never has more than the window in flight, withholds what the acks did not allow, and keeps seq gap-free', async () => {
    broker = await startFakeBroker({ holdAcks: true });
    const acks = slowAcks(broker);
    const result = await runAgainst(spec(model, broker.port)).finally(() => acks.stop());

    // Never more than the window; whether the sampler catches it exactly full depends on timing.
    expect(acks.maxUnacked()).toBeLessThanOrEqual(WINDOW);
    expect(acks.maxUnacked()).toBeGreaterThan(0);
    expect(result.failed).toBe(0);
    const loop = result.closedLoop;
    expect(loop).toBeDefined();
    expect(loop?.withheld).toBeGreaterThan(0);
    expect(result.published + result.failed + (loop?.withheld ?? 0)).toBe(result.scheduled);
    expect(result.published).toBeLessThan(result.scheduled);
    expect(loop?.deviceAckedSum).toBe(result.published);
    const seqs = publishesOf(broker).map(
      (p) => (JSON.parse(p.payload.toString()) as { seq: number }).seq,
    );
    expect(seqs).toEqual(seqs.map((_, i) => i));
  });

  it('(control) the open loop at the same settings runs past the window against the same broker', async () => {
    broker = await startFakeBroker({ holdAcks: true });
    const acks = slowAcks(broker);
    const result = await runAgainst({
      ...spec(model, broker.port),
      loop: 'open',
      durationSec: 1,
    }).finally(() => acks.stop());

    expect(acks.maxUnacked()).toBeGreaterThan(WINDOW);
    expect(result.closedLoop).toBeUndefined();
  });
});
