import { RedisCircuit } from './redis-circuit';

describe('RedisCircuit', () => {
  it('opens on a failure, allows one probe per interval, and closes on a success', () => {
    let t = 0;
    const changes: boolean[] = [];
    const c = new RedisCircuit(
      1000,
      () => t,
      (open) => changes.push(open),
    );
    expect(c.allow()).toBe(true);
    c.failed();
    expect(c.open).toBe(true);
    expect(c.allow()).toBe(false);
    t = 999;
    expect(c.allow()).toBe(false);
    t = 1000;
    expect(c.allow()).toBe(true); // the probe
    expect(c.allow()).toBe(false); // only one per interval
    c.failed();
    t = 2000;
    expect(c.allow()).toBe(true);
    c.succeeded();
    expect(c.open).toBe(false);
    expect(c.allow()).toBe(true);
    expect(changes).toEqual([true, false]);
  });
});
