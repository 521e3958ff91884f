import { NestFactory } from '@nestjs/core';
import { listenOpsPort } from '@sousvide/platform';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { redactedErrorMessage } from '@sousvide/security';
import { AGENT_ENV, AGENT_SECRETS, type AgentEnv } from './app/config/env.schema';

async function bootstrap(): Promise<void> {
  // register() validates the environment first: a bad value fails here, naming the variable.
  const app = await NestFactory.create(AppModule.register(), { bufferLogs: true });
  const env = app.get<AgentEnv>(AGENT_ENV);
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  if (env.OPS_PORT > 0) {
    await listenOpsPort(app, env.OPS_PORT);
  } else {
    await app.init();
  }
  // Started by a local coordinator over IPC: say when the worker listens (its part timeout starts
  // then, not while a loaded host is still loading us), and follow it when it goes away.
  if (process.send) {
    process.send('ready');
    process.on('disconnect', () => {
      void app.close();
    });
  }
}

bootstrap().catch((err: unknown) => {
  // Last line of defence: no fleet secret or URL password reaches the part's log.
  process.stderr.write(`sim-agent failed to start: ${redactedErrorMessage(err, AGENT_SECRETS)}\n`);
  process.exit(1);
});
