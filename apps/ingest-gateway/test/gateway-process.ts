import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mqtt from 'mqtt';
import { freePort, TEST_INFLUX_TOKEN_ENV } from '@sousvide/testing';

export const ROOT = resolve(__dirname, '../../..');
const GATEWAY = join(ROOT, 'dist/apps/ingest-gateway/main.js');
/**
 * A boot that takes longer is a hang: generous, since a busy 2-core machine starts Node slowly
 * (boots past 90 s were seen at loads of 27-50; the coordinator tests' copy allows 240 s).
 */
const BOOT_DEADLINE_MS = 150_000;

export interface GatewayProcess {
  child: ChildProcess;
  opsUrl: string;
  auditLog: string;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * A test gateway's audit log and DLQ spool in a directory of its own under the run's TMPDIR: the
 * defaults (ingest-audit.jsonl, ingest-spool/<GATEWAY_ID>) are in the working directory, the
 * checkout. A test that sets either gets its own.
 */
function ownFiles(): { AUDIT_LOG_PATH: string; SPOOL_DIR: string } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-files-'));
  return { AUDIT_LOG_PATH: join(dir, 'audit.jsonl'), SPOOL_DIR: join(dir, 'spool') };
}

/** Starts the built gateway and waits until /health answers 200. */
export async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  const files = ownFiles();
  let out = '';
  const child = spawn(process.execPath, [GATEWAY], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...TEST_INFLUX_TOKEN_ENV,
      OPS_PORT: String(port),
      ...files,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const opsUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + BOOT_DEADLINE_MS;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`gateway exited with ${child.exitCode}:\n${out}`);
    }
    const ok = await fetch(`${opsUrl}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      break;
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gateway not healthy within ${BOOT_DEADLINE_MS / 1000} s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    opsUrl,
    auditLog: env['AUDIT_LOG_PATH'] ?? files.AUDIT_LOG_PATH,
    output: () => out,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null) {
        child.kill(signal);
      }
      return exited;
    },
  };
}

/**
 * Runs the gateway expecting it to refuse to boot; returns its exit code, output and run time.
 * One still running after BOOT_DEADLINE_MS is killed (code null): it hangs instead of failing.
 */
export function bootGatewayExpectingFailure(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  return new Promise((res) => {
    let out = '';
    const child = spawn(process.execPath, [GATEWAY], {
      cwd: ROOT,
      env: { ...process.env, ...TEST_INFLUX_TOKEN_ENV, OPS_PORT: '0', ...ownFiles(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), BOOT_DEADLINE_MS);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, output: out, ms: Date.now() - started });
    });
  });
}

/**
 * What "within seconds" may add to a boot that fails at once: the MQTT and Redis checks give up
 * after a few seconds each. A hang (retrying forever) runs into BOOT_DEADLINE_MS instead.
 */
export const WITHIN_SECONDS_MS = 15_000;

/**
 * How long a boot takes that fails at once on its configuration (an empty MQTT_URL), measured
 * now: the yardstick for "within seconds", since a busy machine starts Node slowly for everyone.
 */
export async function failingAtOnce(): Promise<number> {
  const bare = await bootGatewayExpectingFailure({ MQTT_URL: '' });
  if (bare.code !== 1) {
    throw new Error(
      `the yardstick boot did not fail on its config (${bare.code}):\n${bare.output}`,
    );
  }
  return bare.ms;
}

/** A metric's value from a Prometheus text exposition. */
export async function metric(opsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** Publishes `count` valid telemetry messages of run `runId` at QoS 1, one device per message. */
export async function publishTelemetry(
  url: string,
  tag: string,
  count: number,
  runId: string,
): Promise<void> {
  const pub = await mqtt.connectAsync(url, { clientId: `pub-${tag}-${Date.now()}` });
  for (let seq = 0; seq < count; seq += 1) {
    const deviceId = `sv-${tag}-${seq}`;
    const payload = {
      v: 1,
      deviceId,
      seq,
      ts: Date.now(),
      runId,
      tempC: 55,
      targetC: 57,
      heaterOn: true,
      pumpOn: true,
      waterLevel: 0.8,
      state: 'cooking',
    };
    await pub.publishAsync(`sousvide/${deviceId}/telemetry`, JSON.stringify(payload), { qos: 1 });
  }
  await pub.endAsync();
}
