import { NestFactory } from '@nestjs/core';
import { ReplayCommand } from '@sousvide/ingest-pipeline';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { parseReplayArgs, type ParsedCommand } from './app/cli/replay-args';
import { USAGE } from './app/cli/usage';
import { UsageError } from '@sousvide/shared-util';
import { loadReplayerEnv, type ReplayerEnv } from './app/config/env.schema';
import { assertRedisReachable } from '@sousvide/platform';
import { STORAGE_SECRETS } from '@sousvide/ingest-storage';
import { REDIS_CLIENT, redactedErrorMessage, serviceAccess } from '@sousvide/security';

const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** Argument and environment errors exit 2 before anything connects, so nothing can change. */
function parseInput(argv: string[]): { cmd: ParsedCommand; env?: ReplayerEnv } {
  const cmd = parseReplayArgs(argv);
  return cmd.command === 'help' ? { cmd } : { cmd, env: loadReplayerEnv() };
}

async function main(argv: string[]): Promise<number> {
  let input: ReturnType<typeof parseInput>;
  try {
    input = parseInput(argv);
  } catch (err) {
    const hint = err instanceof UsageError ? '\nRun with --help for usage.' : '';
    process.stderr.write(`dlq-replayer: ${(err as Error).message}${hint}\n`);
    return EXIT.usage;
  }
  const { cmd, env } = input;
  if (cmd.command === 'help' || !env) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  // Before any BullMQ object exists: BullMQ would reconnect forever against a dead Redis.
  await assertRedisReachable(env.REDIS_URL, 3000, serviceAccess(env, REDIS_CLIENT, env.REDIS_URL));

  // Our own SIGINT handler (not enableShutdownHooks): the first Ctrl-C lets the batch in flight
  // finish so the report is exact; a second one gives up at once.
  const stop = { stopped: false };
  process.on('SIGINT', () => {
    if (stop.stopped) {
      process.exit(EXIT.interrupted);
    }
    stop.stopped = true;
    process.stderr.write('dlq-replayer: interrupted, finishing the batch in flight...\n');
  });

  const app = await NestFactory.createApplicationContext(AppModule.register(env), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  try {
    const report = await app.get(ReplayCommand).run(cmd.options, stop);
    process.stdout.write(
      cmd.options.json ? `${JSON.stringify(report.toJSON())}\n` : report.toTable(),
    );
  } finally {
    await app.close();
  }
  return stop.stopped ? EXIT.interrupted : EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    // No URL password, token or Redis password reaches the terminal, whatever failed.
    process.stderr.write(`dlq-replayer failed: ${redactedErrorMessage(err, STORAGE_SECRETS)}\n`);
    process.exit(EXIT.failure);
  },
);
