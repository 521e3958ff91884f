import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cmdPidsReader, scanProcesses } from './cpu-sampler';

describe('a CPU_BUDGET cmd: component over the shared process scan', () => {
  it('finds a process by its command line once exec has happened, and drops it when it exits', async () => {
    const marker = `cmd-reader-spec-${process.pid}-${Date.now()}`;
    // The child's own command line carries the marker; its parent's (this process) does not.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], {
      stdio: 'ignore',
    });
    const pid = child.pid as number;
    const read = cmdPidsReader(marker);
    try {
      // Scans a few ms apart until it shows (a scan between fork and exec sees the parent's line).
      const deadline = Date.now() + 30_000;
      let found: number[] = [];
      while (!found.includes(pid) && Date.now() < deadline) {
        found = read(scanProcesses());
        await new Promise((r) => setImmediate(r));
      }
      expect(found).toEqual([pid]);
      // Kept on the following scans: two readings agreed, or it is read again until they do.
      expect([read(scanProcesses()), read(scanProcesses())]).toEqual([[pid], [pid]]);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    expect(read(scanProcesses())).toEqual([]);
  });

  it('reads each process in the scan with its start and parent', () => {
    const scan = scanProcesses();
    const me = scan.get(process.pid);
    expect(me).toMatchObject({ ppid: process.ppid });
    expect(me?.started).toBeGreaterThan(0);
  });
});
