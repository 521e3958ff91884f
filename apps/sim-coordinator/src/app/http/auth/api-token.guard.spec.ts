import { Controller, Get, type INestApplication, Logger, Post, UseFilters } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { DASHBOARD_COOKIE, tokenMatches } from './api-token';
import { ApiTokenGuard } from './api-token.guard';
import {
  API_TOKEN,
  DashboardLoginFilter,
  DashboardSessionController,
  loginTarget,
} from './dashboard-login';

const TOKEN = 'a'.repeat(20) + '0123456789abcdef0123456789';
const WRONG = 'b'.repeat(20) + '0123456789abcdef0123456789';

@Controller()
class HealthStub {
  @Get('health')
  health() {
    return { status: 'ok' };
  }
}

@Controller('runs')
class RunsStub {
  @Post()
  create() {
    return { started: true };
  }

  @Get(':id')
  get() {
    return { runId: 'r1' };
  }
}

@Controller('dashboard')
@UseFilters(DashboardLoginFilter)
class DashboardStub {
  @Get()
  index() {
    return 'the run list';
  }

  @Get(':id')
  page() {
    return 'a run page';
  }
}

describe('ApiTokenGuard in a Nest app', () => {
  let app: INestApplication;
  let base: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [RunsStub, DashboardSessionController, DashboardStub, HealthStub],
      providers: [
        { provide: API_TOKEN, useValue: TOKEN },
        {
          provide: APP_GUARD,
          useValue: new ApiTokenGuard({
            token: TOKEN,
            open: [HealthStub, DashboardSessionController],
            cookie: [DashboardStub],
          }),
        },
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    jest
      .spyOn(Logger.prototype, 'warn')
      .mockImplementation((...args: unknown[]) => void warnings.push(JSON.stringify(args)));
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    jest.restoreAllMocks();
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers, redirect: 'manual' });

  it('leaves /health open', async () => {
    expect((await get('/health')).status).toBe(200);
  });

  it('refuses a request without a token with 401, WWW-Authenticate and a message naming the variable', async () => {
    const res = await fetch(`${base}/runs`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="sim-coordinator"');
    const body = (await res.json()) as { statusCode: number; error: string; message: string };
    expect(body).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
    expect(body.message).toContain('Authorization: Bearer <token>');
    expect(body.message).toContain('COORDINATOR_API_TOKEN');
    expect((await get('/runs/r1')).status).toBe(401);
  });

  it('refuses a wrong token without repeating it, in the answer or the log', async () => {
    warnings.length = 0;
    const res = await get(`/runs/r1?token=${WRONG}`, { authorization: `Bearer ${WRONG}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const text = await res.text();
    expect(text).toContain("not this coordinator's COORDINATOR_API_TOKEN");
    expect(text).not.toContain(WRONG);
    expect(text).not.toContain(TOKEN);
    expect(warnings.join('\n')).toContain('"path":"/runs/r1"');
    expect(warnings.join('\n')).not.toContain(WRONG);
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const res = await get('/runs/r1', { authorization: `Basic ${TOKEN}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_request"');
    expect(await res.text()).not.toContain(TOKEN);
  });

  it('lets the right token through', async () => {
    const res = await fetch(`${base}/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ started: true });
    expect((await get('/runs/r1', { authorization: `bearer ${TOKEN}` })).status).toBe(200);
    expect((await get('/dashboard', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });

  it('gives a browser the login form, sets the dashboard cookie for the right token, and the cookie opens pages only', async () => {
    const form = await get('/dashboard/run-1', { accept: 'text/html' });
    expect(form.status).toBe(401);
    const page = await form.text();
    expect(page).toContain('action="/dashboard/session"');
    expect(page).toContain('name="next" value="/dashboard/run-1"');
    // No /favicon.ico request, whose 404 a browser logs as a console error.
    expect(page).toContain('<link rel="icon" href="data:,">');
    // A non-browser client gets the guard's JSON.
    expect((await get('/dashboard')).headers.get('content-type')).toContain('application/json');

    const login = (token: string) =>
      fetch(`${base}/dashboard/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, next: '/dashboard/run-1' }),
        redirect: 'manual',
      });
    const wrong = await login(WRONG);
    expect(wrong.status).toBe(401);
    const wrongPage = await wrong.text();
    expect(wrongPage).toContain("not this coordinator's API token");
    expect(wrongPage).not.toContain(WRONG);
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const right = await login(TOKEN);
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/dashboard/run-1');
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(
      new RegExp(
        `^${DASHBOARD_COOKIE}=[\\w-]+; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=43200$`,
      ),
    );
    // The cookie holds a value derived from the token, not the token.
    expect(cookie).not.toContain(TOKEN);
    const session = cookie.split(';')[0];
    expect((await get('/dashboard/run-1', { cookie: session })).status).toBe(200);
    expect(await (await get('/dashboard', { cookie: `other=1; ${session}` })).text()).toBe(
      'the run list',
    );
    // Not a bearer token: the API's routes still refuse it.
    expect((await get('/runs/r1', { cookie: session })).status).toBe(401);
    expect(
      (await fetch(`${base}/runs`, { method: 'POST', headers: { cookie: session } })).status,
    ).toBe(401);
    expect((await get('/dashboard', { cookie: `${DASHBOARD_COOKIE}=forged` })).status).toBe(401);
  });
});

describe('tokenMatches and loginTarget', () => {
  it('compares whole tokens of any length', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(TOKEN.slice(0, -1), TOKEN)).toBe(false);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });

  it('returns a login only to the dashboard or a run page on this coordinator', () => {
    expect(loginTarget('/dashboard/run-1')).toBe('/dashboard/run-1');
    for (const bad of [
      '//evil.example/x',
      'https://evil.example',
      '/dashboard/../runs/x',
      '/dashboard/a/b',
      42,
      undefined,
    ]) {
      expect(loginTarget(bad)).toBe('/dashboard');
    }
  });
});
