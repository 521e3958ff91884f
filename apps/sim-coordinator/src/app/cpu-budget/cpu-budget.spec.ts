import { cpuBudget, CpuSample } from './cpu-budget';
import { CpuBudgetConfigError, parseCpuComponents } from './cpu-components';

describe('CPU budget', () => {
  it('gives each component its share of the window, interpolating between 1 s samples', () => {
    const samples = [
      { at: 0, cpuMs: { machine: 0, agents: 0, broker: 100 } },
      { at: 1000, cpuMs: { machine: 1500, agents: 400, broker: 700 } },
      { at: 2000, cpuMs: { machine: 3000, agents: 800, broker: 1300 } },
    ];
    const b = cpuBudget(samples, ['agents', 'broker'], 500, 1500, 2);
    expect(b.components).toEqual([
      { name: 'agents', cpuPercent: 40 },
      { name: 'broker', cpuPercent: 60 },
    ]);
    expect(b.machineBusyPercent).toBe(150);
    expect(b.otherPercent).toBe(50);
    expect(b.window.seconds).toBe(1);
  });

  it('gives each second between samples inside the window, so a one-second burst shows', () => {
    const samples: CpuSample[] = [
      { at: 0, cpuMs: { machine: 0, store: 0 } },
      { at: 1000, cpuMs: { machine: 1600, store: 200 } },
      { at: 2000, cpuMs: { machine: 3550, store: 800, agents: 100 } },
      { at: 3000, cpuMs: { machine: 5150, store: 1000, agents: 500 } },
    ];
    const b = cpuBudget(samples, ['store', 'agents'], 1000, 3000, 2);
    expect(b.components).toEqual([
      { name: 'store', cpuPercent: 40 },
      { name: 'agents', cpuPercent: 20 },
    ]);
    // The store's 60 % second averages to 40 % over the window; per second it stands out. A
    // component missing from a sample (agents before they started) is left out of that second.
    expect(b.perSecond).toEqual([
      { at: 2000, cpuPercent: { store: 60, machine: 195 } },
      { at: 3000, cpuPercent: { store: 20, agents: 40, machine: 160 } },
    ]);
  });

  it('keeps a component that appeared late (agents start after sampling) at zero before it', () => {
    const samples: CpuSample[] = [
      { at: 0, cpuMs: { machine: 0 } },
      { at: 1000, cpuMs: { machine: 1000, agents: 50 } },
      { at: 3000, cpuMs: { machine: 3000, agents: 1050 } },
    ];
    expect(cpuBudget(samples, ['agents'], 1000, 3000, 2).components[0].cpuPercent).toBe(50);
  });

  it('notes a window where the machine was saturated mostly by work outside the components', () => {
    const at = (machine: number, agents: number): CpuSample[] => [
      { at: 0, cpuMs: { machine: 0, agents: 0 } },
      { at: 1000, cpuMs: { machine, agents } },
    ];
    const crowded = cpuBudget(at(2000, 260), ['agents'], 0, 1000, 2);
    expect(crowded.crowdedOut).toBe(
      "the machine was saturated (busy 200% of 200%) and 174% went to work outside this run's components: latency figures measure the machine, not the stack",
    );
    // Saturated by the run itself, or busy elsewhere with cores to spare: no note.
    expect(cpuBudget(at(1900, 1600), ['agents'], 0, 1000, 2).crowdedOut).toBeUndefined();
    expect(cpuBudget(at(1200, 100), ['agents'], 0, 1000, 2).crowdedOut).toBeUndefined();
  });

  it('notes a spell of seconds crowded out by other work when it is enough to decide a p95', () => {
    // 40 one-second samples (39 seconds): the run's components take 150 % of 200 % each second;
    // in `crowded` seconds other work takes the rest and more (machine 198 %, other 48 %).
    const window = (crowded: number[]): CpuSample[] => {
      let machine = 0;
      let gateway = 0;
      return Array.from({ length: 40 }, (_, k) => {
        if (k > 0) {
          machine += crowded.includes(k) ? 1980 : 1600;
          gateway += 1500;
        }
        return { at: k * 1000, cpuMs: { machine, gateway } };
      });
    };
    const spell = cpuBudget(window([33, 34]), ['gateway'], 0, 39_000, 2);
    expect(spell.otherPercent).toBeLessThan(50); // the window's average hides it
    expect(spell.crowdedSeconds).toEqual({
      seconds: 2,
      of: 39,
      first: 33,
      last: 34,
      otherPercent: { min: 48, max: 48 },
    });
    expect(spell.crowdedOut).toBe(
      "in 2 of the window's 39 seconds (seconds 33-34) the machine was saturated and 48% of a core went to work outside this run's components: enough to decide a p95, which then measures the machine, not the stack",
    );
    // Who did it, where the sampler read the processes: averaged over the crowded seconds only.
    const kd = { key: '83@1', label: 'kdamond.0[83]' };
    const named = cpuBudget(window([33, 34]), ['gateway'], 0, 39_000, 2, {}, (at) =>
      at === 33_000
        ? [{ ...kd, cpuPercent: 40 }]
        : [{ ...kd, cpuPercent: at === 34_000 ? 43 : 90 }],
    );
    expect(named.crowdedSeconds?.outside).toEqual([{ label: 'kdamond.0[83]', cpuPercent: 41.5 }]);
    expect(named.crowdedOut).toContain(
      "went to work outside this run's components (kdamond.0[83] 41.5%): enough to decide a p95",
    );
    // One such second is under 5 % of 39: it cannot decide a p95 alone.
    const once = cpuBudget(window([20]), ['gateway'], 0, 39_000, 2);
    expect({ spell: once.crowdedSeconds, note: once.crowdedOut }).toEqual({
      spell: undefined,
      note: undefined,
    });
  });

  it('counts a crowded row by its length and places it in seconds into the window', () => {
    // Samples each second but none from 5 s to 8 s (the coordinator's loop held up): that row
    // is 3 s long, crowded (machine 198 %, gateway 150 %).
    const at = [0, 1, 2, 3, 4, 5, 8, 9, 10];
    const samples: CpuSample[] = at.map((sec) => ({
      at: sec * 1000,
      cpuMs: { machine: 0, gateway: 0 },
    }));
    // Cumulative counters: sum the per-row increments.
    let machine = 0;
    let gateway = 0;
    for (let k = 1; k < samples.length; k += 1) {
      const gap = (samples[k].at - samples[k - 1].at) / 1000;
      machine += samples[k].at === 8000 ? 1980 * gap : 1600 * gap;
      gateway += 1500 * gap;
      samples[k] = { at: samples[k].at, cpuMs: { machine, gateway } };
    }
    const b = cpuBudget(samples, ['gateway'], 0, 10_000, 2);
    expect(b.crowdedSeconds).toEqual({
      seconds: 3,
      of: 10,
      first: 6,
      last: 8,
      otherPercent: { min: 48, max: 48 },
    });
  });

  it('parses CPU_BUDGET entries and names a bad one', () => {
    expect(
      parseCpuComponents(
        'broker=container:sousvide-mosquitto, gateway=pid:42,redis=cmd:redis-server',
      ),
    ).toEqual([
      { name: 'broker', source: { kind: 'container', name: 'sousvide-mosquitto' } },
      { name: 'gateway', source: { kind: 'pid', pid: 42 } },
      { name: 'redis', source: { kind: 'cmd', contains: 'redis-server' } },
    ]);
    expect(parseCpuComponents(undefined)).toEqual([]);
    expect(() => parseCpuComponents('gateway=pid:x')).toThrow('pid must be a positive integer');
    expect(() => parseCpuComponents('broker')).toThrow(CpuBudgetConfigError);
    expect(() => parseCpuComponents('agents=pid:1')).toThrow('reserved for the local agents');
    expect(() => parseCpuComponents('a=pid:1,a=pid:2')).toThrow('named twice');
  });
});
