import { summarizeConnections } from './connection-summary';
import { classifyError, connackRejectedError, emptyFailureCounts } from './failure-class';
import { LatencyHistogram } from '@sousvide/shared-util';
import { PartitionResult } from './partition';

function result(part: number, published: number, failed: number, ackMs: number): PartitionResult {
  const ack = new LatencyHistogram();
  for (let i = 0; i < published; i += 1) {
    ack.recordMs(ackMs);
  }
  return {
    runId: 'r',
    attempt: 1,
    part,
    agentId: `agent-${part}`,
    model: 'mqttjs',
    qos: 1,
    devices: 10,
    connected: 10,
    connectFailed: 0,
    connectStartedAt: 0,
    connectEndedAt: 100,
    scheduled: published + failed,
    published,
    failed,
    publishStartedAt: 1000,
    publishEndedAt: 11000,
    connectFailures: emptyFailureCounts(),
    publishFailures: { ...emptyFailureCounts(), publish_timeout: failed },
    disconnects: emptyFailureCounts(),
    connectLatency: new LatencyHistogram().toJSON(),
    ackLatency: ack.toJSON(),
    scheduleLag: new LatencyHistogram().toJSON(),
    controlReceived: 0,
    generator: {
      eventLoopLagP99Ms: 1,
      eventLoopLagMaxMs: 2,
      cpuPercent: 5,
      rssBytes: 1,
      saturated: false,
      reasons: [],
    },
    aborted: false,
  };
}

const shape = {
  runId: 'r',
  attempt: 1,
  model: 'mqttjs' as const,
  qos: 1 as const,
  devices: 30,
  partitions: 3,
  connectParallelism: 40,
  mps: 10,
  durationSec: 10,
  messagesPerDevice: 100,
};

describe('summarizeConnections', () => {
  it('adds the parts and merges their histograms', () => {
    const s = summarizeConnections(shape, [
      { part: 0, devices: 10, result: result(0, 1000, 0, 2) },
      { part: 1, devices: 10, result: result(1, 1000, 0, 2) },
      { part: 2, devices: 10, result: result(2, 999, 1, 50) },
    ]);
    expect(s.published_total).toBe(2999);
    expect(s.failed_total).toBe(1);
    expect(s.connection_success_rate).toBeCloseTo(2999 / 3000, 6);
    expect(s.throughput_total).toBeCloseTo(299.9, 1);
    expect(s.connect_rate_per_sec).toBe(300);
    expect(s.failures_by_class.publish.publish_timeout).toBe(1);
    expect(s.publish_ack_latency_ms.count).toBe(2999);
    expect(s.publish_ack_latency_ms.max).toBe(50);
    expect(s.status).toBe('failed');
    expect(s.parts.map((p) => p.status)).toEqual(['ok', 'ok', 'failed']);
  });

  it('counts every message of a part without a result as failed', () => {
    const s = summarizeConnections(shape, [
      { part: 0, devices: 10, result: result(0, 1000, 0, 2) },
      { part: 1, devices: 10, error: 'agent lost (lock expired)' },
    ]);
    expect(s.failed_total).toBe(1000);
    expect(s.status).toBe('failed');
    expect(s.failure_reasons[0]).toBe('part 1: agent lost (lock expired)');
  });

  it('fails an attempt whose part was aborted, even with nothing counted as failed', () => {
    const aborted = { ...result(0, 0, 0, 2), scheduled: 0, aborted: true };
    const s = summarizeConnections({ ...shape, devices: 10, partitions: 1 }, [
      { part: 0, devices: 10, result: aborted },
    ]);
    expect(s.status).toBe('failed');
    expect(s.failure_reasons).toEqual(['part 0: aborted after 0 of 1000 scheduled messages']);
  });

  it('passes when every part published everything', () => {
    const s = summarizeConnections({ ...shape, devices: 10, partitions: 1 }, [
      { part: 0, devices: 10, result: result(0, 1000, 0, 2) },
    ]);
    expect(s.status).toBe('passed');
    expect(s.failure_reasons).toEqual([]);
  });
});

describe('refused CONNACKs', () => {
  it('name the return code, its meaning and what to check', () => {
    const err = connackRejectedError(5);
    expect(err.message).toBe(
      'connack rejected: not authorized (5): check the fleet secret (FLEET_SECRET / FLEET_SECRET_FILE) and that the device is provisioned; an anonymous agent needs a broker that allows anonymous clients',
    );
    expect(classifyError(err)).toBe('connack_rejected');
    expect(connackRejectedError(2).message).toContain('identifier rejected (2)');
    expect(connackRejectedError(77).message).toBe('connack rejected: return code 77');
  });

  it("sum up across parts as failure reasons with each reason's device count", () => {
    const reason = connackRejectedError(5).message;
    const refused = (part: number, n: number): PartitionResult => ({
      ...result(part, 0, 0, 1),
      connected: 10 - n,
      connectFailed: n,
      connectFailures: { ...emptyFailureCounts(), connack_rejected: n },
      connectRejections: { [reason]: n },
    });
    const s = summarizeConnections(shape, [
      { part: 0, devices: 10, result: refused(0, 10) },
      { part: 1, devices: 10, result: refused(1, 4) },
    ]);
    expect(s.failure_reasons).toEqual([
      '14 connections failed to connect',
      `14 devices: ${reason}`,
    ]);
  });
});

describe('classifyError', () => {
  it.each([
    [{ code: 'EMFILE' }, 'emfile'],
    [{ code: 'EADDRNOTAVAIL' }, 'eaddrnotavail'],
    [{ code: 'ECONNREFUSED' }, 'connect_refused'],
    [{ code: 'ECONNRESET' }, 'broker_disconnect'],
    [new Error('Keepalive timeout'), 'keepalive_timeout'],
    [new Error('connack timeout'), 'connect_timeout'],
    [new Error('connack rejected: rc=5'), 'connack_rejected'],
    [new Error('connect timed out after 10000 ms'), 'connect_timeout'],
    [new Error('client disconnecting'), 'broker_disconnect'],
    [new Error('weird'), 'other'],
  ])('classifies %p as %s', (err, cls) => {
    expect(classifyError(err)).toBe(cls);
  });
});
