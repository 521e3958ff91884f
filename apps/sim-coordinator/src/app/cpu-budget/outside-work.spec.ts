import { averageOutside, INTERRUPTS_LABEL, outsideWork, type ProcessCpu } from './outside-work';

/** A reading of processes [pid, label, cpu ms, start (default: the pid)]. */
const reading = (interruptsMs: number, ...procs: [number, string, number, number?][]) => ({
  interruptsMs,
  processes: new Map<number, ProcessCpu>(
    procs.map(([pid, label, cpuMs, started]) => [pid, { label, cpuMs, started: started ?? pid }]),
  ),
});

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
    expect(outsideWork(before, after, new Set([7]), 1000)).toEqual([
      { label: 'kdamond.0[83]', cpuPercent: 45 },
      { label: 'gzip[12]', cpuPercent: 20 },
      { label: INTERRUPTS_LABEL, cpuPercent: 5 },
    ]);
    // A pid reused by another process (another start) counts from the new one's start.
    const reused = reading(1050, [9, 'make[9]', 300, 777]);
    expect(outsideWork(before, reused, new Set(), 1000)).toEqual([
      { label: 'make[9]', cpuPercent: 30 },
      { label: INTERRUPTS_LABEL, cpuPercent: 5 },
    ]);
  });

  it('takes a kernel worker that renamed itself as the same process (its start, not its name)', () => {
    const before = reading(0, [4815, 'kworker/u8:3-kvfree_rcu_reclaim[4815]', 90_000]);
    const after = reading(0, [4815, 'kworker/u8:3-events_unbound[4815]', 90_020]);
    expect(outsideWork(before, after, new Set(), 1000)).toEqual([
      { label: 'kworker/u8:3-events_unbound[4815]', cpuPercent: 2 },
    ]);
  });

  it('averages each over the seconds it is asked about, absent seconds counting 0', () => {
    expect(
      averageOutside([
        [
          { label: 'kdamond.0[83]', cpuPercent: 50 },
          { label: INTERRUPTS_LABEL, cpuPercent: 4 },
        ],
        [{ label: 'kdamond.0[83]', cpuPercent: 40 }],
        [
          { label: 'gzip[12]', cpuPercent: 30 },
          { label: INTERRUPTS_LABEL, cpuPercent: 2 },
        ],
      ]),
    ).toEqual([
      { label: 'kdamond.0[83]', cpuPercent: 30 },
      { label: 'gzip[12]', cpuPercent: 10 },
      { label: INTERRUPTS_LABEL, cpuPercent: 2 },
    ]);
    expect(averageOutside([])).toEqual([]);
  });
});
