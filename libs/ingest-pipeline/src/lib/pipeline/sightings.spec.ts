import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import type { ParsedMessage } from './parsed-message';
import type { RawMessage } from './raw-message';
import { sightingsOf } from './sightings';

const parsed = (runId: string, deviceId: string, seq: number): ParsedMessage => ({
  raw: {} as RawMessage,
  msg: { deviceId, seq, ts: 1000 + seq } as TelemetryV1,
  runId,
});

describe('sightingsOf', () => {
  it('groups the batch by run in arrival order and marks what the claims saw as copies', () => {
    const batch = [
      parsed('r1', 'a', 0),
      parsed('r2', 'b', 0),
      parsed('r1', 'a', 0),
      parsed('r1', 'a', 1),
    ];

    const byRun = sightingsOf(batch, ['new', 'new', 'duplicate', 'in_flight']);

    expect([...byRun]).toEqual([
      [
        'r1',
        [
          { deviceId: 'a', seq: 0, ts: 1000, duplicate: false },
          { deviceId: 'a', seq: 0, ts: 1000, duplicate: true },
          { deviceId: 'a', seq: 1, ts: 1001, duplicate: true },
        ],
      ],
      ['r2', [{ deviceId: 'b', seq: 0, ts: 1000, duplicate: false }]],
    ]);
  });
});
