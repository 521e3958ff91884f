import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { CoordinatorCoreModule } from './coordinator-core.module';
import { HealthController } from './http/health.controller';
import { RunRegistry } from './http/run.registry';
import { RunsController } from './http/runs.controller';

/** `serve`: the HTTP API on the ops port. */
@Module({
  imports: [
    LoggerModule.forRoot({ pinoHttp: { level: 'info', autoLogging: false } }),
    CoordinatorCoreModule,
    TerminusModule,
  ],
  controllers: [RunsController, HealthController],
  providers: [RunRegistry],
})
export class HttpModule {}
