import { defaultRunId } from './run-id';
import { RunSpecError, RunSpecInput } from './run-spec';
import { parseRunSpec } from './run-spec.schema';

const base: RunSpecInput = {
  totalConnections: '200',
  partitions: '1',
  connectParallelism: '40',
  mps: '1',
  durationSec: '10',
  qos: '1',
};

function problemsOf(input: RunSpecInput): string[] {
  try {
    parseRunSpec(input);
  } catch (err) {
    expect(err).toBeInstanceOf(RunSpecError);
    return (err as RunSpecError).problems.map((p) => `${p.field}: ${p.message}`);
  }
  throw new Error('input was accepted');
}

describe('parseRunSpec', () => {
  it("applies the runbook's defaults", () => {
    const spec = parseRunSpec(base, new Date('2026-11-27T14:15:00Z'));
    expect(spec).toEqual({
      runId: '20261127-141500',
      totalConnections: 200,
      partitions: 1,
      connectParallelism: 40,
      mps: 1,
      durationSec: 10,
      qos: 1,
      model: 'mqttjs',
      maxAttempts: 4,
      minParallelism: 40,
      maxPartitions: 6,
      partTimeoutSec: 130,
      requireBusinessSummary: false,
      brokerUrl: 'mqtt://127.0.0.1:1883',
      loop: 'open',
      window: 1,
    });
  });

  it('takes a closed loop with its window, and refuses one at QoS 0 or a bad window', () => {
    expect(parseRunSpec({ ...base, loop: 'closed', window: '8' })).toMatchObject({
      loop: 'closed',
      window: 8,
    });
    expect(problemsOf({ ...base, loop: 'closed', qos: '0' })).toEqual([
      'loop: loop closed needs qos 1 or 2: a QoS 0 publish has no acknowledgement to wait for',
    ]);
    expect(problemsOf({ ...base, loop: 'sideways', window: '0' })).toEqual([
      'window: window must be an integer in 1..1000 (got "0")',
      'loop: loop must be open or closed (got "sideways")',
    ]);
  });

  it('maps the runbook SIM_TASK names to the two client models', () => {
    expect(parseRunSpec({ ...base, model: 'mqttLoadTest' }).model).toBe('mqttjs');
    expect(parseRunSpec({ ...base, model: 'mqttLoadTestHive' }).model).toBe('lean');
    expect(parseRunSpec({ ...base, model: 'lean' }).model).toBe('lean');
  });

  it.each([
    [
      'a non-integer connection count',
      { totalConnections: '2.5' },
      'totalConnections: totalConnections must be an integer in 1..200000 (got "2.5")',
    ],
    [
      'a negative partition count',
      { partitions: '-1' },
      'partitions: partitions must be an integer in 1..256 (got "-1")',
    ],
    [
      'a zero duration',
      { durationSec: '0' },
      'durationSec: durationSec must be an integer in 1..86400 (got "0")',
    ],
    [
      'a hexadecimal connection count',
      { totalConnections: '0x10' },
      'totalConnections: totalConnections must be an integer in 1..200000 written in decimal digits (got "0x10")',
    ],
    [
      'an integer in exponent notation',
      { partitions: '1e0' },
      'partitions: partitions must be an integer in 1..256 written in decimal digits (got "1e0")',
    ],
    [
      'a binary rate',
      { mps: '0b1' },
      'mps: mps must be a number in 0.001..1000 written in plain decimal (got "0b1")',
    ],
    ['qos 3', { qos: '3' }, 'qos: qos must be 0, 1 or 2 (got "3")'],
    ['mps out of range', { mps: '5000' }, 'mps: mps must be a number in 0.001..1000 (got "5000")'],
    [
      'text where a number belongs',
      { connectParallelism: 'many' },
      'connectParallelism: connectParallelism must be an integer in 1..10000 (got "many")',
    ],
    [
      'an unknown SIM_TASK',
      { model: 'paho' },
      'model: SIM_TASK/model must be one of mqttjs, lean, mqttLoadTest, mqttLoadTestHive (got "paho")',
    ],
    [
      'a bad REQUIRE_BUSINESS_SUMMARY',
      { requireBusinessSummary: 'yes' },
      'requireBusinessSummary: REQUIRE_BUSINESS_SUMMARY must be 0 or 1 (got "yes")',
    ],
    ['a run id with a slash', { runId: '../etc' }, 'runId'],
    ['a broker URL with a path', { brokerUrl: 'http://x/y' }, 'brokerUrl'],
  ])('rejects %s, naming the argument and its range', (_name, change, expected) => {
    const problems = problemsOf({ ...base, ...change });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
  });

  it.each([
    'mqtt://b:1883',
    'tcp://b',
    'mqtts://broker.local:8883',
    'ssl://b:8884/',
    'mqtt://[::1]:1883',
    'mqtts://[2001:db8::1]',
  ])(
    'accepts the broker URL %s (plain or TLS, IPv6 in brackets, as the agents read it)',
    (brokerUrl) => {
      expect(parseRunSpec({ ...base, brokerUrl }).brokerUrl).toBe(brokerUrl);
    },
  );

  it.each([
    [
      'of another scheme, naming the schemes it takes',
      'ws://b:9001',
      'brokerUrl must use mqtt://, tcp://, mqtts://, ssl:// (got "ws://b:9001")',
    ],
    [
      'with a port above 65535, naming it',
      'mqtt://b:99999',
      'brokerUrl has port 99999, outside 1..65535 (got "mqtt://b:99999")',
    ],
    [
      'with port 0, naming it',
      'mqtt://b:0',
      'brokerUrl has port 0, outside 1..65535 (got "mqtt://b:0")',
    ],
    [
      'with an IPv6 host without brackets, saying how to write one',
      'mqtt://::1:1883',
      'brokerUrl must look like mqtt://host[:port] or mqtts://host[:port] (an IPv6 host in brackets: mqtt://[::1]:1883) (got "mqtt://::1:1883")',
    ],
    [
      'with a user or password, without repeating it',
      'mqtt://dev:s3cret@b:1883',
      'brokerUrl must hold no user or password',
    ],
  ])('refuses a broker URL %s', (_name, brokerUrl, problem) => {
    expect(problemsOf({ ...base, brokerUrl })).toEqual([`brokerUrl: ${problem}`]);
  });

  it('rejects more partitions than connections', () => {
    expect(problemsOf({ ...base, totalConnections: '3', partitions: '4' })).toEqual([
      'partitions: partitions must be at most totalConnections (3); got 4',
    ]);
  });

  it('refuses a partition timeout no longer than the publishing it has to hold', () => {
    expect(problemsOf({ ...base, durationSec: '100', partTimeoutSec: '100' })).toEqual([
      'partTimeoutSec: partTimeoutSec must be longer than durationSec (100 s): a partition connects, publishes for the whole duration, then drains; got 100',
    ]);
    expect(
      parseRunSpec({ ...base, durationSec: '100', partTimeoutSec: '101' }).partTimeoutSec,
    ).toBe(101);
  });

  it('reports every bad argument at once', () => {
    expect(problemsOf({ totalConnections: 'x', qos: '9' }).length).toBe(6);
  });

  it('accepts numbers from JSON as well as strings', () => {
    const spec = parseRunSpec({ ...base, totalConnections: 500, partitions: 2, mps: 2, qos: 0 });
    expect(spec.totalConnections).toBe(500);
    expect(spec.qos).toBe(0);
  });

  it('formats the default run id as YYYYMMDD-HHMMSS in UTC', () => {
    expect(defaultRunId(new Date('2026-01-02T03:04:05Z'))).toBe('20260102-030405');
  });
});
