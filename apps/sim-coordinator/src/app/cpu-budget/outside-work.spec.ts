import {
  averageOutside,
  INTERRUPTS_LABEL,
  outsideWork,
  STEAL_LABEL,
  withDescendants,
  type ProcessCpu,
} from './outside-work';

/** A reading of processes [pid, label, cpu ms, start (default: the pid), parent (default 1)]. */
const reading = (interruptsMs: number, ...procs: [number, string, number, number?, number?][]) => ({
  interruptsMs,
  stealMs: 0,
  processes: new Map<number, ProcessCpu>(
    procs.map(([pid, label, cpuMs, started, ppid]) => [
      pid,
      { label, cpuMs, started: started ?? pid, ppid: ppid ?? 1 },
    ]),
  ),
});

const named = (shares: { label: string; cpuPercent: number }[]) =>
  shares.map(({ label, cpuPercent }) => ({ label, cpuPercent }));

describe('work outside the run', () => {
  it("names the processes outside the components and the kernel's interrupt time, biggest first", () => {
    const before = reading(
      1000,
      [83, 'kdamond.0[83]', 5000],
      [7, 'mosquitto[7]', 9000],
      [9, 'sshd[9]', 100],
    );
    const after = reading(
      1050,
      [83, 'kdamond.0[83]', 5450],
      [7, 'mosquitto[7]', 9600],
      [9, 'sshd[9]', 105],
      [12, 'gzip[12]', 200],
    );
    // mosquitto is a component (covered); sshd used 0.5 % (left out); gzip started in between.
    expect(named(outsideWork(before, after, new Set([7]), 1000))).toEqual([
      { label: 'kdamond.0[83]', cpuPercent: 45 },
      { label: 'gzip[12]', cpuPercent: 20 },
      { label: INTERRUPTS_LABEL, cpuPercent: 5 },
    ]);
    // A pid reused by another process (another start) counts from the new one's start.
    const reused = reading(1050, [9, 'make[9]', 300, 777]);
    expect(named(outsideWork(before, reused, new Set(), 1000))).toEqual([
      { label: 'make[9]', cpuPercent: 30 },
      { label: INTERRUPTS_LABEL, cpuPercent: 5 },
    ]);
    // The hypervisor's steal, where the machine reports it.
    expect(
      named(outsideWork(before, { ...before, stealMs: 300 }, new Set([7, 83, 9]), 1000)),
    ).toEqual([{ label: STEAL_LABEL, cpuPercent: 30 }]);
  });

  it('takes a kernel worker that renamed itself as the same process (its start, not its name)', () => {
    const first = reading(0, [4815, 'kworker/u8:3-kvfree_rcu_reclaim[4815]', 90_000]);
    const second = reading(0, [4815, 'kworker/u8:3-events_unbound[4815]', 90_300]);
    const third = reading(0, [4815, 'kworker/u8:3-kvfree_rcu_reclaim[4815]', 90_600]);
    const seconds = [
      outsideWork(first, second, new Set(), 1000),
      outsideWork(second, third, new Set(), 1000),
    ];
    expect(named(seconds[0])).toEqual([
      { label: 'kworker/u8:3-events_unbound[4815]', cpuPercent: 30 },
    ]);
    // Over both seconds, one process at 30 %, shown by its last name: not two at 15 %.
    expect(named(averageOutside(seconds))).toEqual([
      { label: 'kworker/u8:3-kvfree_rcu_reclaim[4815]', cpuPercent: 30 },
    ]);
  });

  it('counts a reaped child once: as itself while it ran, its last moments as its parent', () => {
    // bash (40) ran two busy children (41, 42) seen at 800 and 790 ms; both exit and are reaped,
    // each after 10 ms more: bash's reaped-children time grows by their whole 1,610 ms.
    const before = reading(
      0,
      [40, 'bash[40]', 100],
      [41, 'sh[41]', 800, 41, 40],
      [42, 'sh[42]', 790, 42, 40],
    );
    const after = reading(0, [40, 'bash[40]', 100 + 1610]);
    expect(named(outsideWork(before, after, new Set(), 1000))).toEqual([
      { label: 'bash[40]', cpuPercent: 2 },
    ]);
  });

  it("counts a component's descendants as the component's", () => {
    // 20 is the gateway (covered); 21 its worker; 22 the worker's child; 30 a stranger.
    const r = reading(
      0,
      [20, 'node[20]', 0],
      [21, 'node[21]', 0, 21, 20],
      [22, 'sh[22]', 0, 22, 21],
      [30, 'gzip[30]', 0],
    );
    expect([...withDescendants(new Set([20]), r.processes)].sort()).toEqual([20, 21, 22]);
  });

  it('averages each process over the seconds it is asked about, absent seconds counting 0', () => {
    const kd = { key: '83@1', label: 'kdamond.0[83]' };
    const gz = { key: '12@5', label: 'gzip[12]' };
    const irq = { key: INTERRUPTS_LABEL, label: INTERRUPTS_LABEL };
    expect(
      named(
        averageOutside([
          [
            { ...kd, cpuPercent: 50 },
            { ...irq, cpuPercent: 4 },
          ],
          [{ ...kd, cpuPercent: 40 }],
          [
            { ...gz, cpuPercent: 30 },
            { ...irq, cpuPercent: 2 },
          ],
        ]),
      ),
    ).toEqual([
      { label: 'kdamond.0[83]', cpuPercent: 30 },
      { label: 'gzip[12]', cpuPercent: 10 },
      { label: INTERRUPTS_LABEL, cpuPercent: 2 },
    ]);
    expect(averageOutside([])).toEqual([]);
  });
});
