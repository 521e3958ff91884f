import { NestFactory } from '@nestjs/core';
import { listenOpsPort } from '@sousvide/platform';
import { Logger, PinoLogger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { redactedErrorMessage } from '@sousvide/security';
import { auditCommand } from './app/audit/audit.command';
import { GATEWAY_ENV, GATEWAY_SECRETS, type GatewayEnv } from './app/config/env.schema';

async function bootstrap(): Promise<void> {
  // register() validates the environment first: a bad value fails here, naming the variable.
  const app = await NestFactory.create(AppModule.register(), {
    bufferLogs: true,
    // An unreachable Redis at boot then rejects with its message instead of aborting the process.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // Our own signal handling instead of enableShutdownHooks: Nest re-raises the signal right after
  // the hooks, which can kill the process before the last log lines are written. Here the app
  // drains (GatewayService.beforeApplicationShutdown), the logger flushes, and the exit code is 0.
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    app
      .close()
      .then(
        () => 0,
        (err: unknown) => {
          process.stderr.write(
            `ingest-gateway shutdown failed on ${signal}: ${(err as Error).message}\n`,
          );
          return 1;
        },
      )
      .then((code) => PinoLogger.root.flush(() => process.exit(code)))
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await listenOpsPort(app, app.get<GatewayEnv>(GATEWAY_ENV).OPS_PORT);
}

if (process.argv[2] === 'audit') {
  // A one-shot command on a file: no environment, no connections.
  void auditCommand(
    process.argv.slice(3),
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  ).then((code) => (process.exitCode = code));
} else {
  bootstrap().catch((err: unknown) => {
    // Last line of defence: whatever failed, no URL password, token or password reaches the
    // terminal.
    process.stderr.write(
      `ingest-gateway failed to start: ${redactedErrorMessage(err, GATEWAY_SECRETS)}\n`,
    );
    process.exit(1);
  });
}
