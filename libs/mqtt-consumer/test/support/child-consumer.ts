import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../../../..');

/** The last JSON line a child printed, as an object, and its process. */
export interface ChildConsumer {
  child: ChildProcess;
  last(): Record<string, unknown>;
  exited: Promise<NodeJS.Signals | number | null>;
}

/**
 * Runs test/support/<script>.ts in its own node process (ts-node, transpile only, workspace path
 * aliases), so a test can SIGKILL a consumer as a crash would.
 */
export function startChild(script: string, env: Record<string, string>): ChildConsumer {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register', '-r', 'tsconfig-paths/register', join(__dirname, `${script}.ts`)],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        TS_NODE_PROJECT: join(ROOT, 'tsconfig.base.json'),
        TS_NODE_TRANSPILE_ONLY: 'true',
        TS_NODE_COMPILER_OPTIONS: JSON.stringify({
          module: 'commonjs',
          importHelpers: false,
          esModuleInterop: true,
        }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let last: Record<string, unknown> = {};
  let stderr = '';
  let pending = '';
  child.stdout?.setEncoding('utf8').on('data', (text: string) => {
    const lines = (pending + text).split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines.filter((l) => l !== '')) {
      last = { ...last, ...(JSON.parse(line) as Record<string, unknown>) };
    }
  });
  child.stderr?.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<NodeJS.Signals | number | null>((done) =>
    child.on('exit', (code, signal) => {
      if (stderr !== '') {
        last = { ...last, stderr };
      }
      done(signal ?? code);
    }),
  );
  return { child, last: () => last, exited };
}
