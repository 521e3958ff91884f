import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpException,
  HttpStatus,
  Inject,
  NotFoundException,
  Param,
  Post,
} from '@nestjs/common';
import { parseRunSpec, RunSpecError, RunSpecInput } from '@sousvide/loadtest-contracts';
import { COORDINATOR_ENV, CoordinatorEnv } from '../config/env.schema';
import { RunIdTakenError } from '../run/run-id-taken.error';
import { RunRegistry } from './run.registry';

interface CreateRunBody extends RunSpecInput {
  /** Start local agent processes on the coordinator's host instead of using running agents. */
  localAgents?: boolean;
}

/** POST /runs starts a load test in the background; GET /runs/:id reports it. */
@Controller('runs')
export class RunsController {
  constructor(
    private readonly registry: RunRegistry,
    @Inject(COORDINATOR_ENV) private readonly env: CoordinatorEnv,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async create(@Body() body: CreateRunBody | undefined) {
    const { localAgents, ...input } = body ?? {};
    try {
      // The broker defaults to the coordinator's MQTT_URL, as on the CLI.
      const spec = parseRunSpec({ brokerUrl: this.env.MQTT_URL, ...input });
      return await this.registry.start(spec, localAgents === true);
    } catch (err) {
      if (err instanceof RunSpecError) {
        throw new HttpException(
          { error: 'invalid run spec', problems: err.problems },
          HttpStatus.BAD_REQUEST,
        );
      }
      if (err instanceof RunIdTakenError) {
        throw new HttpException({ error: err.message }, HttpStatus.CONFLICT);
      }
      throw err;
    }
  }

  @Get(':id')
  get(@Param('id') id: string) {
    const run = this.registry.get(id);
    if (!run) {
      throw new NotFoundException(`no run ${id} on this coordinator`);
    }
    return run;
  }
}
