import {
  Controller,
  Get,
  Header,
  Inject,
  MessageEvent,
  NotFoundException,
  Param,
  Sse,
  UseFilters,
} from '@nestjs/common';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { concat, defer, map, Observable, of } from 'rxjs';
import { RUN_ID_PATTERN } from '@sousvide/loadtest-contracts';
import { COORDINATOR_ENV, CoordinatorEnv } from '../config/env.schema';
import { renderLivePage, renderRunList } from '../report/live-page';
import { renderReport } from '../report/report-html';
import { ArtifactsError, attemptDirs, readAttempt } from '../report/run-artifacts';
import { DashboardLoginFilter } from './auth/dashboard-login';
import { LiveRuns } from './live-runs';
import { RunRegistry } from './run.registry';

/** Runs listed on the index at most, newest first. */
const LISTED = 100;

/**
 * GET /dashboard lists runs; /dashboard/:id is a running run's live page (charts fed by SSE from
 * /dashboard/:id/events) or, once it ended, its last attempt's report, rendered from disk. A
 * browser without the session cookie gets the login form (ADR 0029).
 */
@Controller('dashboard')
@UseFilters(DashboardLoginFilter)
export class DashboardController {
  constructor(
    private readonly registry: RunRegistry,
    private readonly live: LiveRuns,
    @Inject(COORDINATOR_ENV) private readonly env: CoordinatorEnv,
  ) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  index(): string {
    const root = this.env.ARTIFACTS_DIR;
    const onDisk = existsSync(root)
      ? readdirSync(root)
          .filter((n) => RUN_ID_PATTERN.test(n) && statSync(join(root, n)).isDirectory())
          .sort()
          .reverse()
          .slice(0, LISTED)
      : [];
    return renderRunList(
      this.registry.list().map((r) => ({ runId: r.runId, status: r.status })),
      onDisk,
    );
  }

  @Get(':id')
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(@Param('id') id: string): string {
    this.assertRunId(id);
    const live = this.live.get(id);
    if (live && !live.ended) {
      return renderLivePage(id);
    }
    try {
      return renderReport(
        readAttempt(attemptDirs(join(this.env.ARTIFACTS_DIR, id)).at(-1) as string),
      );
    } catch (err) {
      if (err instanceof ArtifactsError) {
        throw new NotFoundException(err.message);
      }
      throw err;
    }
  }

  @Sse(':id/events')
  events(@Param('id') id: string): Observable<MessageEvent> {
    this.assertRunId(id);
    const live = this.live.get(id);
    if (!live) {
      throw new NotFoundException(`run ${id} is not running on this coordinator`);
    }
    if (live.ended) {
      return of({ type: 'end', data: {} });
    }
    // Snapshot and subscription in one synchronous step: no row falls between them.
    return defer(() =>
      concat(
        of({ type: 'snapshot', data: { attempt: live.attempt, rows: live.rows } }),
        live.events.pipe(
          map((e) =>
            e.type === 'row'
              ? { type: 'row', data: { attempt: e.attempt, row: e.row } }
              : { type: 'end', data: {} },
          ),
        ),
      ),
    );
  }

  private assertRunId(id: string): void {
    if (!RUN_ID_PATTERN.test(id)) {
      throw new NotFoundException(`no run ${id}`);
    }
  }
}
