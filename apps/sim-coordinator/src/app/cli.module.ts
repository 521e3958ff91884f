import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { CoordinatorCoreModule } from './coordinator-core.module';

/** Application context for `loadtest run`: no HTTP listener. */
@Module({
  imports: [
    LoggerModule.forRoot({ pinoHttp: { level: 'warn', autoLogging: false } }),
    CoordinatorCoreModule,
  ],
})
export class CliModule {}
