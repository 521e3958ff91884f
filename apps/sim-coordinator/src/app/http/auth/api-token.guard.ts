import {
  type CanActivate,
  type ExecutionContext,
  Logger,
  type Type,
  UnauthorizedException,
} from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { redactText } from '@sousvide/security';
import { API_TOKEN_VAR } from '../../config/api-env.schema';
import {
  bearerCredential,
  cookieValue,
  DASHBOARD_COOKIE,
  dashboardSession,
  tokenMatches,
} from './api-token';

/** Who may call what without the bearer token. */
export interface ApiAccess {
  /** The token every request but those of `open` must carry (Authorization: Bearer). */
  token: string;
  /** Controllers anyone may call: /health (probes), /metrics (Prometheus), the dashboard login. */
  open: readonly Type[];
  /** Controllers whose GET routes also take the dashboard cookie (pages a browser opens). */
  cookie: readonly Type[];
}

/** The request's path without its query. */
export const pathOf = (req: IncomingMessage): string => (req.url ?? '').split('?')[0];

const REALM = 'Bearer realm="sim-coordinator"';

const MESSAGES = {
  missing: `this API needs a bearer token: send "Authorization: Bearer <token>" with the coordinator's ${API_TOKEN_VAR} (or the content of the file ${API_TOKEN_VAR}_FILE names; tools/stack/up.sh writes .secrets/coordinator-api-token)`,
  malformed: 'the Authorization header must be "Bearer <token>"',
  invalid: `the bearer token is not this coordinator's ${API_TOKEN_VAR}`,
} as const;

/**
 * The API's only door (a global guard, ADR 0029): every route needs `Authorization: Bearer
 * <COORDINATOR_API_TOKEN>`, compared in constant time, except the open controllers; the
 * dashboard's pages also take the session cookie the login form sets. A refusal is a 401 with
 * `WWW-Authenticate` (RFC 6750) and a JSON message that never repeats what was presented.
 */
export class ApiTokenGuard implements CanActivate {
  private readonly logger = new Logger('ApiTokenGuard');
  private readonly session: string;

  constructor(private readonly access: ApiAccess) {
    this.session = dashboardSession(access.token);
  }

  canActivate(context: ExecutionContext): boolean {
    const controller = context.getClass();
    if (this.access.open.includes(controller)) {
      return true;
    }
    const http = context.switchToHttp();
    const req = http.getRequest<IncomingMessage>();
    const presented = bearerCredential(req.headers.authorization);
    if (presented.kind === 'bearer') {
      if (tokenMatches(presented.token, this.access.token)) {
        return true;
      }
      return this.refuse(req, http.getResponse<ServerResponse>(), 'invalid');
    }
    if (presented.kind === 'malformed') {
      return this.refuse(req, http.getResponse<ServerResponse>(), 'malformed');
    }
    if (
      req.method === 'GET' &&
      this.access.cookie.includes(controller) &&
      tokenMatches(cookieValue(req.headers.cookie, DASHBOARD_COOKIE), this.session)
    ) {
      return true;
    }
    return this.refuse(req, http.getResponse<ServerResponse>(), 'missing');
  }

  private refuse(req: IncomingMessage, res: ServerResponse, reason: keyof typeof MESSAGES): never {
    res.setHeader(
      'WWW-Authenticate',
      reason === 'missing'
        ? REALM
        : `${REALM}, error="${reason === 'invalid' ? 'invalid_token' : 'invalid_request'}"`,
    );
    // The path only (never the query or a header), and masked should it hold the token.
    this.logger.warn(
      { method: req.method, path: redactText(pathOf(req), [this.access.token]), reason },
      'API request refused',
    );
    throw new UnauthorizedException({
      statusCode: 401,
      error: 'Unauthorized',
      message: MESSAGES[reason],
    });
  }
}
