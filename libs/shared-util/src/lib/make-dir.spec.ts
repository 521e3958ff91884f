import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDir, makeDirSync } from './make-dir';

describe.each([
  [
    'makeDirSync',
    (dir: string, mode?: number) => Promise.resolve().then(() => makeDirSync(dir, mode)),
  ],
  ['makeDir', makeDir],
])('%s', (_, make) => {
  const base = (): string => mkdtempSync(join(tmpdir(), 'make-dir-'));

  it('makes every missing parent with the mode, and takes an existing directory', async () => {
    const dir = join(base(), 'a', 'b', 'c');
    await make(dir, 0o700);
    await make(dir, 0o700);
    expect(statSync(dir).isDirectory()).toBe(true);
    expect(statSync(join(dir, '..', '..')).mode & 0o777).toBe(0o700);
  });

  it('refuses a path through a file, naming the error', async () => {
    const file = join(base(), 'file');
    writeFileSync(file, 'x');
    await expect(make(file)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(make(join(file, 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it("fails where mkdir answers ENOENT under an existing parent (procfs), where Node's recursive mkdir spins", async () => {
    await expect(make('/proc/sousvide-no-such-dir/sub')).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
