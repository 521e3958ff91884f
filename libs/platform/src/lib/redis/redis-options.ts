import {
  redactUrl,
  REDIS_CLIENT,
  type ServiceAccess,
  serviceAccessFromEnv,
  type TlsClientOptions,
} from '@sousvide/security';

/** ioredis options from a redis:// or rediss:// URL (for APIs that take options, not a URL). */
export function redisOptionsFromUrl(url: string): {
  host: string;
  port: number;
  username?: string;
  password?: string;
  db?: number;
  tls?: Record<string, never>;
} {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, '') || 0);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * `REDIS_USERNAME`, `REDIS_PASSWORD` (or `REDIS_PASSWORD_FILE`) and `REDIS_TLS_{CA,CERT,KEY}_FILE`
 * of `env`, checked: a problem throws naming the variable, never the password (ADR 0033).
 */
export function redisAccessFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceAccess {
  return serviceAccessFromEnv(env, REDIS_CLIENT);
}

/**
 * The options `access` adds to a connection to `url`: the user name and the password, each unless
 * the URL carries its own (a password inside REDIS_URL keeps working, and REDIS_USERNAME still
 * names the ACL user when the URL holds only a password), and the TLS options for `rediss://`
 * only (ioredis would otherwise speak TLS to a plain `redis://`).
 */
export function redisAccessOptions(
  url: string,
  access: ServiceAccess,
): { username?: string; password?: string; tls?: TlsClientOptions } {
  const u = new URL(url);
  const options: { username?: string; password?: string; tls?: TlsClientOptions } = {};
  if (!u.username && access.username !== undefined) {
    options.username = access.username;
  }
  if (!u.password && access.password !== undefined) {
    options.password = access.password;
  }
  if (u.protocol === 'rediss:' && access.tls !== undefined) {
    options.tls = { ...access.tls };
  }
  return options;
}

/**
 * A boot error's message for a Redis at `url` that did not let a client in: when it refused the
 * credentials (WRONGPASS, NOAUTH, NOPERM), the variables to check; otherwise unreachable, with
 * `unreachableHint`. The URL's password is masked; Redis's error text never contains one.
 */
export function redisBootMessage(url: string, why: string, unreachableHint: string): string {
  if (/WRONGPASS|NOAUTH|NOPERM/i.test(why)) {
    return `Redis at ${redactUrl(url)} refused the credentials (${why}): check REDIS_USERNAME and REDIS_PASSWORD (or REDIS_PASSWORD_FILE), or the password inside REDIS_URL`;
  }
  return `Redis at ${redactUrl(url)} is unreachable (${why}): ${unreachableHint}`;
}

/**
 * What is wrong with the Redis whose `INFO server` text is `info` when its `redis_version` is
 * older than `minimum` ("major.minor"): a sentence naming both versions, `needs` (what needs
 * the newer one) and `fix` (the caller's way to a newer one); undefined when it is recent enough or
 * the server does not say (a fork may not).
 */
export function redisVersionProblem(
  info: string,
  minimum: string,
  needs: string,
  fix: string,
): string | undefined {
  const found = /^redis_version:(\d+)\.(\d+)(\S*)/m.exec(info);
  if (!found) {
    return undefined;
  }
  const [major, minor] = minimum.split('.').map(Number);
  const [haveMajor, haveMinor] = [Number(found[1]), Number(found[2])];
  if (haveMajor > major || (haveMajor === major && haveMinor >= minor)) {
    return undefined;
  }
  return `runs Redis ${found[1]}.${found[2]}${found[3]}, older than the ${minimum} that ${needs}: ${fix}`;
}
