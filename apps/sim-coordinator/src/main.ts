import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { EXIT_CODES, parseRunSpec, RunSpec, RunSpecError } from '@sousvide/loadtest-contracts';
import { redactedErrorMessage } from '@sousvide/security';
import { UsageError } from '@sousvide/shared-util';
import { CliCommand, HELP, parseCli, runSpecProblemLines } from './app/cli/cli-args';
import { summaryTable } from './app/cli/summary-table';
import { API_TOKEN_VAR, loadApiToken } from './app/config/api-env.schema';
import {
  COORDINATOR_SECRETS,
  CoordinatorEnv,
  loadArtifactsDir,
  loadCoordinatorEnv,
} from './app/config/env.schema';
import { HttpModule } from './app/http.module';
import { assertRedisReachable, listenOpsPort } from '@sousvide/platform';
import { RunSession, runSettingsOf } from './app/cli/run-session';
import { crosscheckCommand } from './app/methods/crosscheck.command';
import { capacityCommand } from './app/methods/capacity.command';
import { diffCommand } from './app/methods/diff.command';
import { artifactsCommand } from './app/report/report.command';

const EXIT = EXIT_CODES;

/**
 * Prints the error with URL passwords and the fleet secret's, the monitor password's and the API
 * token's values masked (as redactedErrorMessage says), then `hint`, our own words; exits.
 */
function fail(err: unknown, code: number, hint = ''): never {
  const message = redactedErrorMessage(err, [...COORDINATOR_SECRETS, API_TOKEN_VAR]);
  process.stderr.write(`sim-coordinator: ${message}${hint}\n`);
  process.exit(code);
}

async function runCommand(env: CoordinatorEnv, spec: RunSpec, cmd: CliCommand): Promise<number> {
  const session = await RunSession.open(env);
  let outcome;
  try {
    await session.assertNewRuns([spec]);
    outcome = await session.run(spec, runSettingsOf(cmd));
  } finally {
    await session.close();
  }
  const table = summaryTable(outcome);
  if (cmd.json) {
    process.stderr.write(`${table}\n`);
    process.stdout.write(`${JSON.stringify(outcome, null, 2)}\n`);
  } else {
    process.stdout.write(`${table}\n`);
  }
  for (const a of outcome.attempts) {
    process.stderr.write(
      a.report
        ? `report: ${a.report}\n`
        : `report of attempt ${a.attempt} not written: ${a.reportError}\n`,
    );
  }
  return outcome.exitCode;
}

async function serve(env: CoordinatorEnv): Promise<void> {
  // No token, no API: a load generator anyone on the host (or a web page, by DNS rebinding) could
  // start against any broker is not served, not even on loopback (ADR 0029).
  let token: string;
  try {
    token = loadApiToken();
  } catch (err) {
    fail(
      err,
      EXIT.usage,
      `\n\`serve\` does not start its API without a token: put a long random value ` +
        `(openssl rand -hex 32) in a file and set ${API_TOKEN_VAR}_FILE to it; tools/stack/up.sh writes ` +
        `.secrets/coordinator-api-token and prints ${API_TOKEN_VAR}_FILE.`,
    );
  }
  await assertRedisReachable(env.REDIS_URL);
  const app = await NestFactory.create(HttpModule.register(env, token), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await listenOpsPort(app, env.OPS_PORT, env.OPS_HOST);
  const host = env.OPS_HOST.includes(':') ? `[${env.OPS_HOST}]` : env.OPS_HOST;
  process.stderr.write(
    `sim-coordinator API on http://${host}:${env.OPS_PORT} (POST /runs, GET /runs/:id with a bearer token, at most ${env.MAX_CONCURRENT_RUNS} run(s) at once; GET /health and /metrics open; live pages and reports at /dashboard)\n`,
  );
}

/** A bad setting is a usage error: nothing was started. */
function loadOrFail<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    fail(err, EXIT.usage);
  }
}

async function main(): Promise<void> {
  // Read when a command needs them: `help`, `report`, `table` and `diff` never reach Redis or the
  // broker, so a bad REDIS_URL or MQTT_URL does not stop them.
  let settings: CoordinatorEnv | undefined;
  const env = (): CoordinatorEnv => (settings ??= loadOrFail(() => loadCoordinatorEnv()));
  let cmd;
  try {
    cmd = parseCli(process.argv.slice(2), env);
  } catch (err) {
    if (err instanceof UsageError) {
      fail(err, EXIT.usage, '\nRun with --help for the options.');
    }
    throw err;
  }
  switch (cmd.command) {
    case 'help':
      process.stdout.write(`${cmd.help ?? HELP}\n`);
      return;
    case 'serve':
      await serve(env());
      return;
    case 'report':
    case 'table': {
      const dir = loadOrFail(() => loadArtifactsDir());
      const r = await artifactsCommand(cmd.command, dir, cmd.runIds ?? []);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.code;
      return;
    }
    case 'run':
      return process.exit(await runCommand(env(), parseRunSpec(cmd.spec), cmd));
    case 'crosscheck':
      return process.exit(await crosscheckCommand(env(), cmd));
    case 'capacity':
      return process.exit(await capacityCommand(env(), cmd));
    case 'diff':
      return process.exit(
        diffCommand(
          loadOrFail(() => loadArtifactsDir()),
          cmd,
        ),
      );
  }
}

// A usage error past the parsing (bad run arguments, a used run id, a refused plan, runs that
// cannot be compared) still means nothing was started for it: exit 2.
main().catch((err: unknown) => {
  if (err instanceof RunSpecError) {
    fail(
      `invalid arguments, nothing enqueued:\n  ${runSpecProblemLines(err).join('\n  ')}`,
      EXIT.usage,
    );
  }
  fail(err, err instanceof UsageError ? EXIT.usage : EXIT.failed);
});
