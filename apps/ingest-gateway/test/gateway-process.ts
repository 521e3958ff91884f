import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '@sousvide/testing';

export const ROOT = resolve(__dirname, '../../..');
const GATEWAY = join(ROOT, 'dist/apps/ingest-gateway/main.js');

export interface GatewayProcess {
  child: ChildProcess;
  opsUrl: string;
  auditLog: string;
  output: () => string;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts the built gateway and waits until /health answers 200. */
export async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  const auditLog = join(mkdtempSync(join(tmpdir(), 'gw-audit-')), 'audit.jsonl');
  let out = '';
  const child = spawn(process.execPath, [GATEWAY], {
    cwd: ROOT,
    env: {
      ...process.env,
      OPS_PORT: String(port),
      AUDIT_LOG_PATH: auditLog,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const opsUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
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
      throw new Error(`gateway not healthy within 30 s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    opsUrl,
    auditLog,
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

/** Runs the gateway expecting it to refuse to boot; returns its exit code and output. */
export function bootGatewayExpectingFailure(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((res) => {
    let out = '';
    const child = spawn(process.execPath, [GATEWAY], {
      cwd: ROOT,
      env: { ...process.env, OPS_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      res({ code, output: out });
    });
  });
}

/** A metric's value from a Prometheus text exposition. */
export async function metric(opsUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
