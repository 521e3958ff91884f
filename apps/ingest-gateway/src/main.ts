import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app/app.module';
import { loadGatewayEnv } from './app/config/env.schema';

async function bootstrap(): Promise<void> {
  const env = loadGatewayEnv();
  const app = await NestFactory.create(AppModule.register(env), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await app.listen(env.OPS_PORT);
}

bootstrap().catch((err: unknown) => {
  process.stderr.write(`ingest-gateway failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
