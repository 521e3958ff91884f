import type { GateClaim, GateOutcome } from '@sousvide/ingest-storage';
import { CooldownGate } from './cooldown-gate';

/** Redis's side of the gate in memory (the real one is tested against Redis in ingest-storage). */
function fakeRemote() {
  const held = new Map<string, string>();
  const calls: string[] = [];
  const remote = {
    down: false,
    hang: false,
    restored: [] as GateClaim[],
    acquire(c: GateClaim): Promise<GateOutcome> {
      calls.push(`acquire ${c.deviceId}`);
      if (remote.hang) {
        return new Promise(() => undefined);
      }
      if (remote.down) {
        return Promise.reject(new Error('Connection is closed.'));
      }
      if (held.has(`fired:${c.messageKey}`)) {
        return Promise.resolve('duplicate');
      }
      if (held.has(c.deviceId)) {
        return Promise.resolve('cooldown');
      }
      held.set(c.deviceId, c.token).set(`fired:${c.messageKey}`, c.token);
      return Promise.resolve('acquired');
    },
    release(c: GateClaim): Promise<void> {
      calls.push(`release ${c.deviceId}`);
      if (remote.down) {
        return Promise.reject(new Error('Connection is closed.'));
      }
      held.delete(c.deviceId);
      held.delete(`fired:${c.messageKey}`);
      return Promise.resolve();
    },
    restore(claims: readonly GateClaim[]): Promise<void> {
      if (remote.down) {
        return Promise.reject(new Error('Connection is closed.'));
      }
      remote.restored.push(...claims);
      claims.forEach((c) => held.set(c.deviceId, c.token));
      return Promise.resolve();
    },
  };
  return { remote, held, calls };
}

function gateOver(remote: ReturnType<typeof fakeRemote>['remote'], now = { t: 1_000_000 }) {
  const logs: string[] = [];
  const gate = new CooldownGate({
    remote,
    gatewayId: 'gw-1',
    cooldownMs: 60_000,
    timeoutMs: 20,
    redisKnownDown: () => remote.down,
    log: (_o, msg) => logs.push(msg),
    syncEveryMs: 5,
    now: () => now.t,
  });
  return { gate, logs, now };
}

const until = async (what: string, check: () => boolean): Promise<void> => {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('CooldownGate', () => {
  it('takes the cooldown in Redis and mirrors it: the next reading is suppressed without asking Redis', async () => {
    const { remote, calls } = fakeRemote();
    const { gate } = gateOver(remote);
    expect(await gate.decide('sv-1', 'sv-1:1:1', 5000)).toMatchObject({
      outcome: 'acquired',
      via: 'redis',
    });
    expect(await gate.decide('sv-1', 'sv-1:2:2', 5000)).toEqual({
      outcome: 'cooldown',
      via: 'local',
    });
    expect(calls).toEqual(['acquire sv-1']);
    gate.close();
  });

  it('lets exactly one of two concurrent readings of a device act', async () => {
    const { remote } = fakeRemote();
    const { gate } = gateOver(remote);
    const outcomes = await Promise.all([
      gate.decide('sv-1', 'sv-1:1:1', 5000),
      gate.decide('sv-1', 'sv-1:2:2', 5000),
      gate.decide('sv-2', 'sv-2:1:1', 5000),
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(['acquired', 'cooldown', 'acquired']);
    gate.close();
  });

  it('keeps the cooldown locally while Redis is down and writes it to Redis once it answers', async () => {
    const { remote, held } = fakeRemote();
    const { gate, logs } = gateOver(remote);
    remote.down = true;
    expect(await gate.decide('sv-1', 'sv-1:1:1', 5000)).toMatchObject({
      outcome: 'acquired',
      via: 'local',
    });
    expect(await gate.decide('sv-1', 'sv-1:2:2', 5000)).toEqual({
      outcome: 'cooldown',
      via: 'local',
    });
    expect(gate.pendingSync).toBe(1);
    remote.down = false;
    await until('the local claim to reach Redis', () => gate.pendingSync === 0);
    expect(held.get('sv-1')).toBe('gw-1:1');
    expect(remote.restored[0]).toMatchObject({
      deviceId: 'sv-1',
      cooldownMs: 60_000,
      firedMs: 5000,
    });
    expect(logs).toContain('fail-safe cooldowns reconciled with Redis');
    gate.close();
  });

  it('decides locally when Redis does not answer within the timeout', async () => {
    const { remote } = fakeRemote();
    const { gate } = gateOver(remote);
    remote.hang = true;
    expect(await gate.decide('sv-1', 'sv-1:1:1', 5000)).toMatchObject({
      outcome: 'acquired',
      via: 'local',
    });
    gate.close();
  });

  it('calls a copy of a reading that acted a duplicate, also after the cooldown', async () => {
    const { remote } = fakeRemote();
    const { gate, now } = gateOver(remote);
    await gate.decide('sv-1', 'sv-1:1:1', 120_000);
    now.t += 61_000; // the cooldown is over, the reading is still actable
    expect(await gate.decide('sv-1', 'sv-1:1:1', 120_000)).toEqual({
      outcome: 'duplicate',
      via: 'local',
    });
    gate.close();
  });

  it('gives a claim back here and in Redis, and later in Redis when it was away', async () => {
    const { remote, held } = fakeRemote();
    const { gate } = gateOver(remote);
    const first = await gate.decide('sv-1', 'sv-1:1:1', 5000);
    await gate.release(first.claim as GateClaim);
    expect(held.size).toBe(0);
    const second = await gate.decide('sv-1', 'sv-1:2:2', 5000);
    expect(second.outcome).toBe('acquired');
    remote.down = true;
    await gate.release(second.claim as GateClaim);
    expect(held.has('sv-1')).toBe(true);
    expect(gate.pendingSync).toBe(1);
    remote.down = false;
    await until('the release to reach Redis', () => gate.pendingSync === 0);
    expect(held.size).toBe(0);
    gate.close();
  });
});
