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
import {
  parseRunSpec,
  parseSloTargets,
  RunSpecError,
  RunSpecInput,
  type SloTargets,
} from '@sousvide/loadtest-contracts';
import { UsageError } from '@sousvide/shared-util';
import { COORDINATOR_ENV, CoordinatorEnv } from '../config/env.schema';
import { RunIdTakenError } from '../run/run-id-taken.error';
import { RunRegistry } from './run.registry';
import { TooManyRunsError } from './too-many-runs.error';

interface CreateRunBody extends RunSpecInput {
  /** Start local agent processes on the coordinator's host instead of using running agents. */
  localAgents?: boolean;
  /** SLO targets for this run (SloTargets fields); the runbook's for those not given. */
  slo?: Partial<Record<keyof SloTargets, unknown>>;
  /** false: report the checks without gating (the CLI's --no-gate). */
  gate?: boolean;
}

/**
 * POST /runs starts a load test in the background (429 while MAX_CONCURRENT_RUNS are active);
 * GET /runs/:id reports it.
 */
@Controller('runs')
export class RunsController {
  constructor(
    private readonly registry: RunRegistry,
    @Inject(COORDINATOR_ENV) private readonly env: CoordinatorEnv,
  ) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async create(@Body() body: CreateRunBody | undefined) {
    const { localAgents, slo, gate, ...input } = body ?? {};
    try {
      // The broker defaults to the coordinator's MQTT_URL, as on the CLI.
      const spec = parseRunSpec({ brokerUrl: this.env.MQTT_URL, ...input });
      const targets = parseSloTargets(slo ?? {}, (field) => `slo.${field}`);
      return await this.registry.start(spec, localAgents === true, {
        gated: gate !== false && this.env.JUDGE_SLO,
        targets,
      });
    } catch (err) {
      if (err instanceof RunSpecError) {
        throw new HttpException(
          { error: 'invalid run spec', problems: err.problems },
          HttpStatus.BAD_REQUEST,
        );
      }
      if (err instanceof UsageError) {
        throw new HttpException(
          { error: 'invalid SLO targets', problems: err.message.split('\n') },
          HttpStatus.BAD_REQUEST,
        );
      }
      if (err instanceof RunIdTakenError) {
        throw new HttpException({ error: err.message }, HttpStatus.CONFLICT);
      }
      if (err instanceof TooManyRunsError) {
        throw new HttpException(
          { error: err.message, limit: err.limit, activeRuns: err.activeRuns },
          HttpStatus.TOO_MANY_REQUESTS,
        );
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
