import { analyseRecovery, faultEndSec, healthy, type SecondSample } from './recovery';

const ok = (t: number): SecondSample => ({
  t,
  received: 300,
  stored: 300,
  failed: 0,
  dlq: 0,
  spool: 0,
  p95Ms: 50,
});
const bad = (t: number, over: Partial<SecondSample> = {}): SecondSample => ({
  ...ok(t),
  stored: 100,
  failed: 200,
  ...over,
});

describe('analyseRecovery', () => {
  it('measures detection from the fault start and MTTR to the first of 5 healthy seconds', () => {
    // Fault 10..20; bad from 11 to 23; one healthy blip at 24 then bad at 25; healthy from 26.
    const series = Array.from({ length: 40 }, (_, t) =>
      t >= 11 && t <= 23 ? bad(t) : t === 25 ? bad(t) : ok(t),
    );
    expect(analyseRecovery(series, 10, 20)).toEqual({
      timeToDetectSec: 1,
      mttrSec: 6,
      degradedSeconds: 14,
      recovered: true,
    });
  });

  it('reports no recovery when 5 healthy seconds never follow the fault', () => {
    const series = Array.from({ length: 30 }, (_, t) => (t >= 10 && t % 4 !== 0 ? bad(t) : ok(t)));
    expect(analyseRecovery(series, 10, 15)).toMatchObject({ mttrSec: null, recovered: false });
  });

  it('counts a second with no traffic or a p95 over the SLO as unhealthy', () => {
    expect(healthy(ok(0))).toBe(true);
    expect(healthy({ ...ok(0), received: 0, stored: 0, p95Ms: null })).toBe(false);
    expect(healthy({ ...ok(0), p95Ms: 500 })).toBe(false);
    expect(healthy({ ...ok(0), stored: 299 })).toBe(false); // 99.67 % < 99.9 %
  });

  it('needs the 5 seconds to be consecutive, not 5 samples around a gap', () => {
    const series = [ok(20), ok(21), ok(23), ok(24), ok(25), ok(26), ok(27)];
    expect(analyseRecovery(series, 10, 20).mttrSec).toBe(3);
  });

  it('reports MTTR 0 and no detection when the fault did not hurt', () => {
    const series = Array.from({ length: 30 }, (_, t) => ok(t));
    expect(analyseRecovery(series, 10, 15)).toEqual({
      timeToDetectSec: null,
      mttrSec: 0,
      degradedSeconds: 0,
      recovered: true,
    });
  });
});

describe('faultEndSec', () => {
  it('is the planned end when the lift began in time, or never ran', () => {
    expect(faultEndSec(8, 7.6)).toBe(8);
    expect(faultEndSec(8, 8)).toBe(8);
    expect(faultEndSec(8, null)).toBe(8);
  });

  it('is the first whole second after a late lift, and MTTR counts from it', () => {
    // Planned 3..8; `docker pause` took 6 s to return, so the lift began 14.2 s into the load.
    expect(faultEndSec(8, 14.2)).toBe(15);
    // Unhealthy until 16, healthy from 17: 2 s after the real end, not 9 after the planned one.
    const series = Array.from({ length: 30 }, (_, t) => (t >= 3 && t <= 16 ? bad(t) : ok(t)));
    expect(analyseRecovery(series, 3, faultEndSec(8, 14.2)).mttrSec).toBe(2);
    expect(analyseRecovery(series, 3, 8).mttrSec).toBe(9);
  });
});
