import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, waitFor } from '@sousvide/testing';
import { ROOT } from './cli-runner';

const GATEWAY = join(ROOT, 'dist/apps/ingest-gateway/main.js');

/** The built gateway, up once /health answers (a busy 2-core host boots Node slowly). */
export async function startGateway(env: Record<string, string>): Promise<ChildProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [GATEWAY], {
    cwd: ROOT,
    env: { ...process.env, OPS_PORT: String(port), LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
  await waitFor(
    'the gateway to answer /health',
    () =>
      fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => child.exitCode !== null,
      ),
    // A deadline for a hang only: under a load of 27 on 2 cores the boot took over 90 s.
    { timeoutMs: 240_000 },
  );
  if (child.exitCode !== null) {
    throw new Error(`the gateway exited with ${child.exitCode}`);
  }
  return child;
}
