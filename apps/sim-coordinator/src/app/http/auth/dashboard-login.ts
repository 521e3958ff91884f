import {
  type ArgumentsHost,
  Body,
  Catch,
  Controller,
  type ExceptionFilter,
  HttpCode,
  Inject,
  Logger,
  Post,
  Res,
  UnauthorizedException,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RUN_ID_PATTERN } from '@sousvide/loadtest-contracts';
import { esc } from '../../report/html';
import {
  DASHBOARD_COOKIE,
  DASHBOARD_COOKIE_MAX_AGE_SEC,
  dashboardSession,
  tokenMatches,
} from './api-token';
import { pathOf } from './api-token.guard';

/** The API token, for the login form's check. */
export const API_TOKEN = Symbol('API_TOKEN');

/** Where a login may return to: the dashboard or a run's page, never another site. */
export function loginTarget(next: unknown): string {
  if (typeof next === 'string' && next.startsWith('/dashboard/')) {
    const id = next.slice('/dashboard/'.length);
    if (RUN_ID_PATTERN.test(id)) {
      return next;
    }
  }
  return '/dashboard';
}

/**
 * The form a browser gets instead of a dashboard page it may not see yet. An empty icon, as on
 * every dashboard page: otherwise the browser asks for /favicon.ico and logs the 404 as a console
 * error (which failed the live-page test when it landed after the login).
 */
export function renderLoginPage(next: string, problem?: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sim-coordinator: API token</title>
<meta name="referrer" content="no-referrer"><link rel="icon" href="data:,"></head>
<body>
<h1>sim-coordinator dashboard</h1>
${problem ? `<p id="login-problem"><strong>${esc(problem)}</strong></p>` : ''}
<p>The dashboard needs the coordinator's API token: the content of <code>.secrets/coordinator-api-token</code>
(written by <code>tools/stack/up.sh</code>), of the file <code>COORDINATOR_API_TOKEN_FILE</code> names, or
<code>COORDINATOR_API_TOKEN</code> in <code>docker/.env</code> for compose.</p>
<form method="post" action="/dashboard/session">
<input type="hidden" name="next" value="${esc(loginTarget(next))}">
<label>API token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Open the dashboard</button>
</form>
</body></html>
`;
}

function sendLoginPage(res: ServerResponse, next: string, problem?: string): void {
  res.statusCode = 401;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(renderLoginPage(next, problem));
}

/**
 * On the dashboard's routes, a browser that is refused (no session cookie yet) gets the login form
 * with status 401; other clients get the guard's JSON.
 */
@Catch(UnauthorizedException)
export class DashboardLoginFilter implements ExceptionFilter {
  catch(err: UnauthorizedException, host: ArgumentsHost): void {
    const req = host.switchToHttp().getRequest<IncomingMessage>();
    const res = host.switchToHttp().getResponse<ServerResponse>();
    if (req.method === 'GET' && /\btext\/html\b/.test(req.headers.accept ?? '')) {
      sendLoginPage(res, pathOf(req));
      return;
    }
    res.statusCode = err.getStatus();
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(err.getResponse()));
  }
}

/**
 * POST /dashboard/session (the login form, urlencoded `token` and `next`): the right token sets
 * the dashboard cookie (HttpOnly, SameSite=Strict, path /dashboard, 12 h) and returns to the page
 * asked for (303); a wrong one gets the form again with 401. The token never travels in a URL,
 * so it stays out of browser history, proxy logs and Referer headers.
 */
@Controller('dashboard')
export class DashboardSessionController {
  private readonly logger = new Logger('DashboardSession');

  constructor(@Inject(API_TOKEN) private readonly token: string) {}

  @Post('session')
  @HttpCode(303)
  login(
    @Body() body: { token?: unknown; next?: unknown } | undefined,
    @Res() res: ServerResponse,
  ): void {
    const next = loginTarget(body?.next);
    const presented = typeof body?.token === 'string' ? body.token.trim() : undefined;
    if (!tokenMatches(presented, this.token)) {
      this.logger.warn({ reason: presented ? 'invalid' : 'missing' }, 'dashboard login refused');
      sendLoginPage(res, next, "That is not this coordinator's API token.");
      return;
    }
    res.statusCode = 303;
    res.setHeader(
      'Set-Cookie',
      `${DASHBOARD_COOKIE}=${dashboardSession(this.token)}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${DASHBOARD_COOKIE_MAX_AGE_SEC}`,
    );
    res.setHeader('Location', next);
    res.setHeader('Cache-Control', 'no-store');
    res.end();
  }
}
