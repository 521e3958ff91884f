import type { GateClaim } from '@sousvide/ingest-storage';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { GateDecision } from './cooldown-gate';
import { Failsafe } from './failsafe';

const NOW = Date.now();
const hot = (seq: number, overrides: Partial<TelemetryV1> = {}): TelemetryV1 => ({
  v: 1,
  deviceId: 'sv-hot',
  seq,
  ts: NOW - 100,
  tempC: 99,
  targetC: 60,
  heaterOn: true,
  pumpOn: true,
  waterLevel: 0.8,
  state: 'cooking',
  ...overrides,
});

/** A one-device cooldown in memory: the first reading acquires, copies are duplicates. */
function fakeGate() {
  const seen = new Set<string>();
  let holder: GateClaim | undefined;
  const released: GateClaim[] = [];
  return {
    released,
    decide: (deviceId: string, messageKey: string, firedMs: number): Promise<GateDecision> => {
      if (seen.has(messageKey)) {
        return Promise.resolve({ outcome: 'duplicate', via: 'redis' });
      }
      if (holder) {
        return Promise.resolve({ outcome: 'cooldown', via: 'redis' });
      }
      seen.add(messageKey);
      holder = { deviceId, messageKey, token: 't', cooldownMs: 60_000, firedMs };
      return Promise.resolve({ outcome: 'acquired', via: 'redis', claim: holder });
    },
    release: (claim: GateClaim): Promise<void> => {
      released.push(claim);
      seen.delete(claim.messageKey);
      holder = undefined;
      return Promise.resolve();
    },
    close: () => undefined,
  };
}

function setup(
  opts: { publish?: (topic: string, payload: string) => Promise<void>; attempts?: number } = {},
) {
  const records: Record<string, unknown>[] = [];
  const sent: { topic: string; command: Record<string, unknown> }[] = [];
  const logs: { obj: Record<string, unknown>; msg: string }[] = [];
  const gate = fakeGate();
  const audit = {
    failNext: false,
    last: { n: 0, hash: '' },
    append: (body: Record<string, unknown>): Promise<void> => {
      if (audit.failNext) {
        audit.failNext = false;
        return Promise.reject(new Error('EIO: i/o error, write'));
      }
      records.push(body);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  const failsafe = new Failsafe({
    limits: { maxTempC: 95, minWater: 0.1, maxAgeMs: 60_000 },
    gatewayId: 'gw-1',
    gate,
    audit,
    publish:
      opts.publish ??
      ((topic, payload) => {
        sent.push({ topic, command: JSON.parse(payload) as Record<string, unknown> });
        return Promise.resolve();
      }),
    delivery: { timeoutMs: 50, attempts: opts.attempts ?? 3, backoff: { baseMs: 1, capMs: 2 } },
    log: (obj, msg) => logs.push({ obj, msg }),
    sleep: () => Promise.resolve(),
  });
  const decisions = () => records.map((r) => r['decision']);
  return { failsafe, records, sent, logs, gate, audit, decisions };
}

describe('Failsafe', () => {
  it('turns the heater off once per cooldown and audits every decision', async () => {
    const { failsafe, sent, records, decisions } = setup();
    failsafe.check(hot(1), NOW);
    failsafe.check(hot(2), NOW);
    failsafe.check(hot(3, { tempC: 60, waterLevel: 0.05 }), NOW);
    failsafe.check(hot(4, { tempC: 60 }), NOW); // healthy: no decision at all
    await failsafe.flush();
    expect(sent).toEqual([
      {
        topic: 'sousvide/sv-hot/control',
        command: expect.objectContaining({
          cmd: 'failsafe',
          heaterOn: false,
          reason: 'overtemp',
          reading: { seq: 1, ts: NOW - 100 },
        }),
      },
    ]);
    // Suppressions are audited at once; the command's record follows its PUBACK.
    expect(decisions()).toEqual(['suppressed', 'suppressed', 'sent']);
    expect(records[2]).toMatchObject({
      who: 'gw-1',
      deviceId: 'sv-hot',
      reason: 'overtemp',
      attempt: 1,
      gate: 'redis',
    });
    expect(records[1]).toMatchObject({ reason: 'low_water' });
  });

  it('retries a failed publish with backoff and audits each try', async () => {
    let calls = 0;
    const { failsafe, decisions, records } = setup({
      publish: () =>
        ++calls < 3 ? Promise.reject(new Error('no broker connection')) : Promise.resolve(),
    });
    failsafe.check(hot(1), NOW);
    await failsafe.flush();
    expect(decisions()).toEqual(['retried', 'retried', 'sent']);
    expect(records[0]).toMatchObject({ attempt: 1, error: 'no broker connection' });
    expect(records[2]).toMatchObject({ attempt: 3 });
  });

  it('counts a publish that never gets its PUBACK as failed after the timeout', async () => {
    const { failsafe, decisions, records } = setup({
      publish: () => new Promise(() => undefined),
      attempts: 1,
    });
    failsafe.check(hot(1), NOW);
    await failsafe.flush();
    expect(decisions()).toEqual(['failed']);
    expect(records[0]?.['error']).toContain('timed out after 50 ms');
  });

  it('gives the cooldown back after the last attempt, so the next reading acts', async () => {
    let up = false;
    const { failsafe, gate, decisions } = setup({
      publish: () => (up ? Promise.resolve() : Promise.reject(new Error('no broker connection'))),
      attempts: 2,
    });
    failsafe.check(hot(1), NOW);
    await failsafe.flush();
    expect(gate.released).toHaveLength(1);
    up = true;
    failsafe.check(hot(2), NOW);
    await failsafe.flush();
    expect(decisions()).toEqual(['retried', 'failed', 'sent']);
  });

  it('never acts on a reading older than its max age (a replayed backlog), and says so', async () => {
    const { failsafe, sent, records } = setup();
    failsafe.check(hot(1, { ts: NOW - 61_000 }), NOW);
    await failsafe.flush();
    expect(sent).toHaveLength(0);
    expect(records).toEqual([expect.objectContaining({ decision: 'stale', ageMs: 61_000 })]);
  });

  it('audits a copy of a reading that acted as a duplicate and sends nothing', async () => {
    const { failsafe, sent, decisions, gate } = setup();
    failsafe.check(hot(1), NOW);
    await failsafe.flush();
    await gate.release({
      deviceId: 'sv-hot',
      messageKey: 'other',
      token: 't',
      cooldownMs: 1,
      firedMs: 1,
    });
    failsafe.check(hot(1), NOW);
    await failsafe.flush();
    expect(sent).toHaveLength(1);
    expect(decisions()).toEqual(['sent', 'duplicate']);
  });

  it('logs a record the audit log refused, whole, and goes on auditing', async () => {
    const { failsafe, audit, logs, decisions } = setup();
    audit.failNext = true;
    failsafe.check(hot(1), NOW);
    await failsafe.flush();
    failsafe.check(hot(2), NOW);
    await failsafe.flush();
    expect(logs).toEqual([
      {
        msg: 'fail-safe audit record not written',
        obj: expect.objectContaining({ record: expect.objectContaining({ decision: 'sent' }) }),
      },
    ]);
    expect(decisions()).toEqual(['suppressed']);
  });

  it('returns from check at once, whatever the broker does', async () => {
    let answer: () => void = () => undefined;
    const { failsafe, sent } = setup({ publish: () => new Promise<void>((r) => (answer = r)) });
    failsafe.check(hot(1), NOW);
    expect(sent).toHaveLength(0);
    let flushed = false;
    const flush = failsafe.flush().then(() => (flushed = true));
    await new Promise((r) => setImmediate(r));
    expect(flushed).toBe(false);
    answer();
    await flush;
    expect(flushed).toBe(true);
  });
});
