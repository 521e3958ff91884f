import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { parseRunSpec, RunSpec, RunSpecError } from '@sousvide/loadtest-contracts';
import { UsageError } from '@sousvide/shared-util';
import { HELP, parseCli } from './app/cli/cli-args';
import { progressLine, summaryTable } from './app/cli/summary-table';
import { CoordinatorEnv, loadCoordinatorEnv } from './app/config/env.schema';
import { CoordinatorCoreModule } from './app/coordinator-core.module';
import { HttpModule } from './app/http.module';
import { assertRedisReachable } from '@sousvide/platform';
import { RunIdTakenError } from './app/run/run-id-taken.error';
import { RunService } from './app/run/run.service';
import { PreflightRefusedError } from './app/preflight/preflight-refused.error';
import { preflightLines } from './app/cli/preflight-lines';
import { artifactsCommand } from './app/report/report.command';

const EXIT = { passed: 0, failed: 1, usage: 2, interrupted: 130 } as const;

function fail(message: string, code: number): never {
  process.stderr.write(`sim-coordinator: ${message}\n`);
  process.exit(code);
}

async function runCommand(
  env: CoordinatorEnv,
  spec: RunSpec,
  localAgents: boolean,
  json: boolean,
): Promise<number> {
  await assertRedisReachable(env.REDIS_URL);
  const app = await NestFactory.createApplicationContext(
    CoordinatorCoreModule.register(env, 'warn'),
    {
      bufferLogs: true,
    },
  );
  app.useLogger(app.get(Logger));
  const runs = app.get(RunService);
  try {
    await runs.assertNewRun(spec);
  } catch (err) {
    await app.close();
    if (err instanceof RunIdTakenError) {
      fail(err.message, EXIT.usage);
    }
    throw err;
  }
  const ac = new AbortController();
  process.once('SIGINT', () => {
    process.stderr.write(
      '\ninterrupted: stopping agents and writing the summaries of what ran (Ctrl-C again to force)\n',
    );
    ac.abort();
    process.once('SIGINT', () => process.exit(EXIT.interrupted));
  });
  process.once('SIGTERM', () => ac.abort());
  const startedAt = Date.now();
  process.stderr.write(
    `run ${spec.runId}: ${spec.totalConnections} devices, ${spec.partitions} partitions, ${spec.mps} msg/s each for ${spec.durationSec}s, QoS ${spec.qos}, model ${spec.model}, broker ${spec.brokerUrl}\n`,
  );
  let outcome;
  try {
    outcome = await runs.run(spec, {
      localAgents,
      signal: ac.signal,
      onPreflight: (report) => process.stderr.write(preflightLines(report)),
      onProgress: (attempt, p) => process.stderr.write(`${progressLine(attempt, p, startedAt)}\n`),
      onAttempt: (a) =>
        process.stderr.write(
          `attempt ${a.attempt}: ${a.status}${a.reasons.length ? ` (${a.reasons[0]})` : ''}\n`,
        ),
    });
  } catch (err) {
    await app.close();
    if (err instanceof PreflightRefusedError) {
      fail(err.message, EXIT.usage);
    }
    throw err;
  }
  await app.close();
  const table = summaryTable(outcome);
  if (json) {
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
  return EXIT[outcome.status];
}

async function serve(env: CoordinatorEnv): Promise<void> {
  await assertRedisReachable(env.REDIS_URL);
  const app = await NestFactory.create(HttpModule.register(env), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(env.OPS_PORT);
  process.stderr.write(
    `sim-coordinator API on :${env.OPS_PORT} (POST /runs, GET /runs/:id, GET /health; live pages and reports at /dashboard)\n`,
  );
}

async function main(): Promise<void> {
  let env: CoordinatorEnv;
  try {
    env = loadCoordinatorEnv();
  } catch (err) {
    fail((err as Error).message, EXIT.usage);
  }
  let cmd;
  try {
    cmd = parseCli(process.argv.slice(2), env);
  } catch (err) {
    if (err instanceof UsageError) {
      fail(`${err.message}\nRun with --help for the options.`, EXIT.usage);
    }
    throw err;
  }
  switch (cmd.command) {
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return;
    case 'serve':
      await serve(env);
      return;
    case 'report':
    case 'table': {
      const r = await artifactsCommand(cmd.command, env.ARTIFACTS_DIR, cmd.runIds ?? []);
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      process.exitCode = r.code;
      return;
    }
    case 'run': {
      let spec: RunSpec;
      try {
        spec = parseRunSpec(cmd.spec);
      } catch (err) {
        if (err instanceof RunSpecError) {
          fail(
            `invalid arguments, nothing enqueued:\n  ${err.problems.map((p) => p.message).join('\n  ')}`,
            EXIT.usage,
          );
        }
        throw err;
      }
      process.exit(await runCommand(env, spec, cmd.localAgents, cmd.json));
    }
  }
}

main().catch((err: unknown) => fail((err as Error).message, EXIT.failed));
