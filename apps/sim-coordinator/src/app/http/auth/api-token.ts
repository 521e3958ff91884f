import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** The dashboard's session cookie (a browser cannot add an Authorization header to a link). */
export const DASHBOARD_COOKIE = 'sousvide_dashboard';
/** How long a browser keeps the dashboard cookie: a working day. */
export const DASHBOARD_COOKIE_MAX_AGE_SEC = 12 * 3600;

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Whether `presented` is the token, in constant time: both sides are hashed first, so neither
 * the comparison nor a length mismatch tells a caller how much of a guess was right.
 */
export function tokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) {
    return false;
  }
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The dashboard cookie's value: an HMAC of a fixed label under the token, not the token itself, so
 * the cookie opens the dashboard's pages but is no bearer token for POST /runs. Rotating the
 * token ends every session.
 */
export function dashboardSession(token: string): string {
  return createHmac('sha256', token)
    .update('sim-coordinator dashboard session v1')
    .digest('base64url');
}

/** What an `Authorization` header carries: absent, a bearer token, or something else. */
export type PresentedCredential =
  | { kind: 'none' }
  | { kind: 'bearer'; token: string }
  | { kind: 'malformed' };

export function bearerCredential(header: string | string[] | undefined): PresentedCredential {
  if (header === undefined || header === '') {
    return { kind: 'none' };
  }
  const match = typeof header === 'string' ? /^Bearer +(\S+) *$/i.exec(header) : null;
  return match ? { kind: 'bearer', token: match[1] } : { kind: 'malformed' };
}

/** One cookie's value from a `Cookie` header, or undefined. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      return part.slice(eq + 1).trim();
    }
  }
  return undefined;
}
