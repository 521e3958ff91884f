import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import type { RunSpec } from '@sousvide/loadtest-contracts';
import { assertRedisReachable } from '@sousvide/platform';
import { UsageError } from '@sousvide/shared-util';
import type { CoordinatorEnv } from '../config/env.schema';
import { CoordinatorCoreModule } from '../coordinator-core.module';
import { PreflightRefusedError } from '../preflight/preflight-refused.error';
import { RunIdTakenError } from '../run/run-id-taken.error';
import { RunOptions, RunOutcome, RunService } from '../run/run.service';
import type { CliCommand } from './cli-args';
import { preflightLines } from './preflight-lines';
import { progressLine } from './summary-table';

/** What the command line decides for each run of a session: agents, the gate and the drain. */
export type RunSettings = Pick<RunOptions, 'localAgents' | 'gate' | 'drain'>;

/** A run command's settings; parseCli gives every run command (run, crosscheck, capacity) both. */
export function runSettingsOf(cmd: CliCommand): RunSettings {
  if (!cmd.gate || !cmd.drain) {
    throw new Error(`internal: loadtest ${cmd.command} without its gate settings`);
  }
  return { localAgents: cmd.localAgents, gate: cmd.gate, drain: cmd.drain };
}

/**
 * The CLI's side of one or more load tests in one process (`run` has one; `crosscheck` and
 * `capacity` several): the core module, Ctrl-C, and progress on stderr. A used run id or a plan
 * the preflight refuses comes back as a UsageError (exit 2: nothing was started for it).
 */
export class RunSession {
  private readonly ac = new AbortController();

  private constructor(
    private readonly app: INestApplicationContext,
    private readonly runs: RunService,
  ) {
    process.once('SIGINT', () => {
      process.stderr.write(
        '\ninterrupted: stopping agents and writing the summaries of what ran (Ctrl-C again to force)\n',
      );
      this.ac.abort();
      process.once('SIGINT', () => process.exit(130));
    });
    process.once('SIGTERM', () => this.ac.abort());
  }

  static async open(env: CoordinatorEnv): Promise<RunSession> {
    await assertRedisReachable(env.REDIS_URL);
    const app = await NestFactory.createApplicationContext(
      CoordinatorCoreModule.register(env, 'warn'),
      { bufferLogs: true },
    );
    app.useLogger(app.get(Logger));
    return new RunSession(app, app.get(RunService));
  }

  get interrupted(): boolean {
    return this.ac.signal.aborted;
  }

  /** Refuses (UsageError) any run id already used, before the first of them starts. */
  async assertNewRuns(specs: RunSpec[]): Promise<void> {
    for (const spec of specs) {
      try {
        await this.runs.assertNewRun(spec);
      } catch (err) {
        throw err instanceof RunIdTakenError ? new UsageError(err.message) : err;
      }
    }
  }

  async run(spec: RunSpec, settings: RunSettings): Promise<RunOutcome> {
    const startedAt = Date.now();
    process.stderr.write(
      `run ${spec.runId}: ${spec.totalConnections} devices, ${spec.partitions} partitions, ${spec.mps} msg/s each for ${spec.durationSec}s, QoS ${spec.qos}, model ${spec.model}, broker ${spec.brokerUrl}` +
        (spec.loop === 'closed' ? `, closed loop (window ${spec.window})\n` : '\n'),
    );
    try {
      return await this.runs.run(spec, {
        ...settings,
        signal: this.ac.signal,
        onPreflight: (report) => process.stderr.write(preflightLines(report)),
        onProgress: (attempt, p) =>
          process.stderr.write(`${progressLine(attempt, p, startedAt)}\n`),
        onAttempt: (a) =>
          process.stderr.write(
            `attempt ${a.attempt}: ${a.status}${a.reasons.length ? ` (${a.reasons[0]})` : ''}\n`,
          ),
      });
    } catch (err) {
      throw err instanceof PreflightRefusedError ? new UsageError(err.message) : err;
    }
  }

  close(): Promise<void> {
    return this.app.close();
  }
}
