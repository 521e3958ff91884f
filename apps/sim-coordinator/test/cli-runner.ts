import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The workspace root: the apps resolve dist/ and their agents' entry from it. */
export const ROOT = resolve(__dirname, '../../..');
export const COORDINATOR = join(ROOT, 'dist/apps/sim-coordinator/main.js');
export const AGENT = join(ROOT, 'dist/apps/sim-agent/main.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function artifactsDir(): string {
  return mkdtempSync(join(tmpdir(), 'loadtest-runs-'));
}

/** A running coordinator CLI; `done` settles when it exits. */
export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Resolves when stderr has printed `text` (or a match of the pattern). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>;
}

export function startCli(args: string[], env: Record<string, string>): CliProcess {
  const t0 = Date.now();
  const child = spawn(process.execPath, [COORDINATOR, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string | RegExp; resolve: () => void }[] = [];
  const printed = (text: string | RegExp): boolean =>
    typeof text === 'string' ? stderr.includes(text) : text.test(stderr);
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of waiters.filter((x) => printed(x.text))) {
      w.resolve();
    }
  });
  const done = new Promise<CliResult>((res) =>
    child.on('exit', (code) => res({ code, stdout, stderr, ms: Date.now() - t0 })),
  );
  return {
    child,
    done,
    waitFor: (text, timeoutMs = 60_000) =>
      new Promise<void>((res, rej) => {
        if (printed(text)) {
          res();
          return;
        }
        const timer = setTimeout(
          () => rej(new Error(`"${String(text)}" not seen; stderr:\n${stderr}`)),
          timeoutMs,
        );
        waiters.push({ text, resolve: () => (clearTimeout(timer), res()) });
      }),
  };
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return startCli(args, env).done;
}

/**
 * A command's exit code with the tails of its output, for `expect(exitOf(res)).toMatchObject({
 * code })`: a failed expectation then shows what the command printed before it exited so.
 */
export function exitOf(res: CliResult): Pick<CliResult, 'code' | 'stdout' | 'stderr'> {
  return { code: res.code, stdout: res.stdout.slice(-3000), stderr: res.stderr.slice(-3000) };
}

export function readJson<T = Record<string, unknown>>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

/** Starts an agent that serves partitions from Redis, as an agent on another host would. */
export function startAgent(
  redisUrl: string,
  agentId: string,
  extraEnv: Record<string, string> = {},
): ChildProcess {
  return spawn(process.execPath, [AGENT], {
    cwd: ROOT,
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      AGENT_ID: agentId,
      OPS_PORT: '0',
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: 'ignore',
  });
}

/**
 * Sends a run's partitions to agents already running ({@link startAgent}) instead of starting
 * local ones per run. The pickup deadline is for a hang only: the agent may still be booting when
 * the first run dispatches.
 */
export const EXTERNAL_AGENTS_ENV = { LOADTEST_AGENTS: 'external', PICKUP_TIMEOUT_SEC: '120' };

/** This test process's API token (`serve` refuses to start without one; ADR 0029). */
export const API_TOKEN = randomBytes(32).toString('hex');
/** The headers every API call but /health and /metrics needs. */
export const API_AUTH = { authorization: `Bearer ${API_TOKEN}` } as const;

/** A 0600 file holding `token`, as tools/stack/up.sh writes .secrets/coordinator-api-token. */
export function apiTokenFile(token = API_TOKEN): string {
  const file = join(mkdtempSync(join(tmpdir(), 'api-token-')), 'coordinator-api-token');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return file;
}

/**
 * `serve` on a free port with {@link API_TOKEN} from a token file, resolved once it prints that
 * the API listens.
 */
export async function startServe(port: number, env: Record<string, string>): Promise<ChildProcess> {
  const api = spawn(process.execPath, [COORDINATOR, 'serve'], {
    // Its local agents are found under dist/ from the workspace root, not from jest's cwd.
    cwd: ROOT,
    env: {
      ...process.env,
      OPS_PORT: String(port),
      COORDINATOR_API_TOKEN_FILE: apiTokenFile(),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    // A deadline for a hang only: a busy 2-core machine can take tens of seconds to start Node.
    const timer = setTimeout(() => reject(new Error('API did not start in 120 s')), 120_000);
    api.stderr?.on('data', (d: Buffer) => {
      if (d.toString().includes('API on')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return api;
}
