import { sumGatewaysHeld } from './gateway-held';

describe('sumGatewaysHeld', () => {
  it('sums the fresh reports and leaves out stale or unreadable ones (gone gateways)', () => {
    const now = 100_000;
    expect(
      sumGatewaysHeld(
        {
          'gw-1': `120 3 ${now - 800}`,
          'gw-2': `30 0 ${now - 4000}`,
          'gw-dead': `999 9 ${now - 60_000}`,
          'gw-odd': 'nonsense',
        },
        now,
        5000,
      ),
    ).toEqual({ unacked: 150, spoolEntries: 3, live: 2, stale: 2 });
  });
});
