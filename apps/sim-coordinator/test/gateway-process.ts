import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, TEST_INFLUX_TOKEN_ENV, waitFor } from '@sousvide/testing';
import { ROOT } from './cli-runner';

const GATEWAY = join(ROOT, 'dist/apps/ingest-gateway/main.js');

/**
 * The built gateway, up once /health answers, on `env.OPS_PORT` when given, else on a free port.
 * Its audit log and spool go to a fresh temp folder unless `env` sets them, so gateways of
 * different tests never share a spool.
 */
export async function startGateway(env: Record<string, string>): Promise<ChildProcess> {
  const port = env['OPS_PORT'] ? Number(env['OPS_PORT']) : await freePort();
  const data = mkdtempSync(join(tmpdir(), 'coordinator-gw-'));
  const child = spawn(process.execPath, [GATEWAY], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...TEST_INFLUX_TOKEN_ENV,
      OPS_PORT: String(port),
      LOG_LEVEL: 'warn',
      AUDIT_LOG_PATH: join(data, 'audit.jsonl'),
      SPOOL_DIR: join(data, 'spool'),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // Why a gateway died at boot is on its stderr: kept for the error.
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  try {
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
  } catch (err) {
    // Not left running: it would hold its spool's lock against the next test's gateway.
    child.kill('SIGKILL');
    throw err;
  }
  if (child.exitCode !== null) {
    throw new Error(`the gateway exited with ${child.exitCode}: ${stderr}`);
  }
  return child;
}

/**
 * A gateway whose store nobody listens on: every write fails, deterministically, whatever the
 * machine's load, so a run through it misses the ingestion and Influx SLOs.
 */
export function startFailingStoreGateway(
  mqttUrl: string,
  redisUrl: string,
  gatewayId: string,
): Promise<ChildProcess> {
  return startGateway({
    MQTT_URL: mqttUrl,
    REDIS_URL: redisUrl,
    INFLUX_URL: 'http://127.0.0.1:1',
    INFLUX_TIMEOUT_MS: '500',
    INFLUX_RETRY_BUDGET_MS: '500',
    GATEWAY_ID: gatewayId,
  });
}
