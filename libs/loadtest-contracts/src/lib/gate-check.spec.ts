import { describeCheck, gateCheck } from './gate-check';

describe('gateCheck', () => {
  const base = { name: 'x', kind: 'slo' as const, unit: 'ms' as const };

  it('signs the margin so that headroom is positive and a miss negative, whatever the comparison', () => {
    expect(gateCheck({ ...base, measured: 150, comparison: '<', target: 200 })).toMatchObject({
      pass: true,
      margin: 50,
    });
    expect(gateCheck({ ...base, measured: 250, comparison: '<', target: 200 })).toMatchObject({
      pass: false,
      margin: -50,
    });
    expect(
      gateCheck({ ...base, unit: '%', measured: 99.5, comparison: '>=', target: 99.9 }),
    ).toMatchObject({ pass: false, margin: -0.4 });
  });

  it('fails a strict check at exactly its target and passes an inclusive one', () => {
    expect(gateCheck({ ...base, measured: 200, comparison: '<', target: 200 }).pass).toBe(false);
    expect(
      gateCheck({ ...base, unit: 'messages', measured: 0, comparison: '<=', target: 0 }).pass,
    ).toBe(true);
  });

  it('describes the figure, the target and the miss or the margin', () => {
    expect(describeCheck(gateCheck({ ...base, measured: 250, comparison: '<', target: 200 }))).toBe(
      '250ms (target < 200ms, missed by 50ms)',
    );
    expect(
      describeCheck(
        gateCheck({ ...base, unit: 'messages', measured: 0, comparison: '<=', target: 0 }),
      ),
    ).toBe('0 messages (target <= 0 messages, margin 0 messages)');
  });
});
