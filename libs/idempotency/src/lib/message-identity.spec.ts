import { NO_RUN_ID } from '@sousvide/loadtest-contracts';
import { idempotencyKey, rawKey, runIdOfRaw } from './message-identity';

describe('message identity', () => {
  it('keys a message by device, seq and ts, and marks a missing seq', () => {
    expect(idempotencyKey({ deviceId: 'sv-1', seq: 42, ts: 1000 })).toBe('sv-1:42:1000');
    expect(idempotencyKey({ deviceId: 'sv-1', ts: 1000 })).toBe('sv-1:-:1000');
  });

  it('tells a seq reused in a new device session apart by its ts', () => {
    const first = idempotencyKey({ deviceId: 'sv-1', seq: 0, ts: 1000 });
    const afterRestart = idempotencyKey({ deviceId: 'sv-1', seq: 0, ts: 9000 });
    expect(first).not.toBe(afterRestart);
  });

  it('keys an unparsable payload by its content', () => {
    expect(rawKey(Buffer.from('x'))).toBe(rawKey(Buffer.from('x')));
    expect(rawKey(Buffer.from('x'))).not.toBe(rawKey(Buffer.from('y')));
    expect(rawKey(Buffer.from('x'))).toMatch(/^raw:[0-9a-f]{32}$/);
  });

  it('reads the run id of a broken payload when it can', () => {
    expect(runIdOfRaw(Buffer.from('{"runId":"r-1","tempC":'))).toBe('r-1');
    expect(runIdOfRaw(Buffer.from('garbage'))).toBe(NO_RUN_ID);
    // Only a run id the run-id rule allows is taken from raw text.
    expect(runIdOfRaw(Buffer.from('{"runId":"../etc","tempC":'))).toBe(NO_RUN_ID);
    expect(runIdOfRaw(Buffer.alloc(0))).toBe(NO_RUN_ID);
  });
});
