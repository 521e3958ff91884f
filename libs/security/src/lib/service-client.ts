import { z } from 'zod';
import { optionalSecretEnvShape, withSecretFiles } from './secret-env';
import { TlsConfigError } from './tls-config.error';
import {
  type TlsClientOptions,
  tlsClientOptionsFromEnv,
  tlsEnvShape,
  tlsFileVars,
} from './tls-options';

/**
 * One network service a process connects to (the broker, Redis, Influx), described by the names
 * of its environment variables: `<prefix>_URL`, `<prefix>_USERNAME`, `<prefix>_PASSWORD` (or
 * `<prefix>_PASSWORD_FILE`) and `<prefix>_TLS_{CA,CERT,KEY}_FILE` (ADR 0033).
 */
export interface ServiceClient<P extends string = string> {
  prefix: P;
  /** The variable holding the URL (a password inside it still works, redacted everywhere). */
  urlVar: string;
  /** URL schemes (without ':') that mean TLS; the TLS file variables need one of them. */
  tlsSchemes: readonly string[];
  /** Whether `<prefix>_USERNAME` / `<prefix>_PASSWORD` exist (Influx has its token instead). */
  credentials: boolean;
  /** MQTT: a CONNECT cannot carry a password without a user name (MQTT 3.1.1, and Mosquitto). */
  passwordNeedsUsername: boolean;
}

export const MQTT_CLIENT: ServiceClient<'MQTT'> = {
  prefix: 'MQTT',
  urlVar: 'MQTT_URL',
  tlsSchemes: ['mqtts', 'ssl'],
  credentials: true,
  passwordNeedsUsername: true,
};

export const REDIS_CLIENT: ServiceClient<'REDIS'> = {
  prefix: 'REDIS',
  urlVar: 'REDIS_URL',
  tlsSchemes: ['rediss'],
  credentials: true,
  passwordNeedsUsername: false,
};

export const INFLUX_CLIENT: ServiceClient<'INFLUX'> = {
  prefix: 'INFLUX',
  urlVar: 'INFLUX_URL',
  tlsSchemes: ['https'],
  credentials: false,
  passwordNeedsUsername: false,
};

/** Who the client is and how it checks the server; none of it is printed anywhere. */
export interface ServiceAccess {
  username?: string;
  password?: string;
  /** Loaded from the TLS file variables; only for a TLS URL. */
  tls?: TlsClientOptions;
}

/** Where and how to connect: the URL without user info, the rest as options. */
export interface ServiceConnection extends ServiceAccess {
  url: string;
}

/** The password variable of a client with credentials, for `withSecretFiles` and masking. */
export function passwordVar<P extends string>(prefix: P): `${P}_PASSWORD` {
  return `${prefix}_PASSWORD`;
}

const optionalName = z.preprocess(
  (v) => (v === '' ? undefined : v),
  z.string().trim().min(1).optional(),
);

/**
 * Zod shape entries for a client's user name, password (optional secret: no default, may come
 * from `<prefix>_PASSWORD_FILE` when the schema is wrapped in `withSecretFiles`) and TLS files.
 */
export function credentialEnvShape<P extends string>(prefix: P) {
  return {
    // Empty counts as unset: compose passes `X: ${X:-}` for a variable the host leaves out.
    ...({ [`${prefix}_USERNAME`]: optionalName } as Record<`${P}_USERNAME`, typeof optionalName>),
    ...optionalSecretEnvShape([passwordVar(prefix)]),
    ...tlsEnvShape(prefix),
  };
}

/** A configuration problem of one variable. */
export interface EnvProblem {
  variable: string;
  message: string;
}

function userInfo(url: string | undefined): { user?: string; password?: string; scheme?: string } {
  if (url === undefined) {
    return {};
  }
  try {
    const u = new URL(url);
    return {
      user: u.username ? decodeURIComponent(u.username) : undefined,
      password: u.password ? decodeURIComponent(u.password) : undefined,
      scheme: u.protocol.replace(/:$/, ''),
    };
  } catch {
    // The URL's own schema reports it.
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * What is wrong with a client's variables in `env` (the schema's output: the password already
 * read from its file): a user name without a password, a password both in the URL and in its
 * variable, TLS files next to a plain URL, an unreadable or bad TLS file. Never a secret's value.
 * Without `url` (a factory shared by several URLs) the checks across URL and variables are left
 * to the URL's user.
 */
export function serviceClientProblems(
  env: Readonly<Record<string, unknown>>,
  c: ServiceClient,
  url: string | undefined = str(env[c.urlVar]),
): EnvProblem[] {
  const problems: EnvProblem[] = [];
  const inUrl = userInfo(url);
  const userVar = `${c.prefix}_USERNAME`;
  const passVar = passwordVar(c.prefix);
  if (c.credentials) {
    const user = str(env[userVar]);
    const pass = str(env[passVar]);
    if (pass !== undefined && inUrl.password !== undefined) {
      problems.push({
        variable: passVar,
        message: `set ${passVar} (or ${passVar}_FILE) or a password inside ${c.urlVar}, not both`,
      });
    }
    if (user !== undefined && inUrl.user !== undefined && user !== inUrl.user) {
      problems.push({
        variable: userVar,
        message: `names another user than the one inside ${c.urlVar}: set one of them`,
      });
    }
    if ((user ?? inUrl.user) !== undefined && (pass ?? inUrl.password) === undefined) {
      problems.push({
        variable: passVar,
        message: `is required when ${userVar} is set: set ${passVar} or ${passVar}_FILE (secrets have no default)`,
      });
    }
    if (
      c.passwordNeedsUsername &&
      (pass ?? inUrl.password) !== undefined &&
      (user ?? inUrl.user) === undefined
    ) {
      problems.push({
        variable: userVar,
        message: `is required when a password is set: the broker takes no password without a user name`,
      });
    }
  }
  const tlsVars = Object.values(tlsFileVars(c.prefix));
  const setTlsVars = tlsVars.filter((v) => str(env[v]) !== undefined);
  if (setTlsVars.length === 0) {
    return problems;
  }
  if (inUrl.scheme !== undefined && !c.tlsSchemes.includes(inUrl.scheme)) {
    for (const v of setTlsVars) {
      problems.push({
        variable: v,
        message: `is set but ${c.urlVar} is ${inUrl.scheme}:// (no TLS): use ${c.tlsSchemes[0]}://`,
      });
    }
    return problems;
  }
  try {
    tlsClientOptionsFromEnv(env, c.prefix);
  } catch (err) {
    if (!(err instanceof TlsConfigError)) {
      throw err;
    }
    problems.push({
      variable: tlsVars.find((v) => err.message.includes(v)) ?? setTlsVars[0],
      message: err.message,
    });
  }
  return problems;
}

/** {@link serviceClientProblems} as issues of a zod `superRefine` over the app's environment. */
export function addServiceClientIssues(
  env: Readonly<Record<string, unknown>>,
  ctx: z.RefinementCtx,
  c: ServiceClient,
): void {
  for (const p of serviceClientProblems(env, c)) {
    ctx.addIssue({ code: 'custom', path: [p.variable], message: p.message });
  }
}

/**
 * The user name, password and TLS options of a client, for a TLS URL or not (`url` undefined: as
 * configured). Call after the variables were validated: a bad TLS file throws a TlsConfigError.
 */
export function serviceAccess(
  env: Readonly<Record<string, unknown>>,
  c: ServiceClient,
  url?: string,
): ServiceAccess {
  const inUrl = userInfo(url);
  const access: ServiceAccess = {};
  if (c.credentials) {
    const username = str(env[`${c.prefix}_USERNAME`]) ?? inUrl.user;
    const password = str(env[passwordVar(c.prefix)]) ?? inUrl.password;
    if (username !== undefined) {
      access.username = username;
    }
    if (password !== undefined) {
      access.password = password;
    }
  }
  const tlsUrl = inUrl.scheme === undefined || c.tlsSchemes.includes(inUrl.scheme);
  const tls = tlsUrl ? tlsClientOptionsFromEnv(env, c.prefix) : undefined;
  if (tls !== undefined) {
    access.tls = tls;
  }
  return access;
}

/**
 * Where and how to connect to the service at `env[c.urlVar]`: the URL without user info (so it
 * can be logged as it is) and the credentials from the variables or from the URL.
 */
export function serviceConnection(
  env: Readonly<Record<string, unknown>>,
  c: ServiceClient,
): ServiceConnection {
  const raw = String(env[c.urlVar]);
  const u = new URL(raw);
  let url = raw;
  if (u.username || u.password) {
    u.username = '';
    u.password = '';
    url = u.toString();
  }
  return { url, ...serviceAccess(env, c, raw) };
}

/**
 * Reads and checks one client's credential and TLS variables from a raw environment (for code
 * shared by apps that validate no schema of their own, e.g. a Redis client factory): a problem
 * throws an error naming the variables, never a secret.
 */
export function serviceAccessFromEnv(
  env: NodeJS.ProcessEnv,
  c: ServiceClient,
  url?: string,
): ServiceAccess {
  const pass = passwordVar(c.prefix);
  const schema = withSecretFiles(
    [pass],
    z.object(c.credentials ? credentialEnvShape(c.prefix) : tlsEnvShape(c.prefix)),
  );
  const parsed = schema.safeParse(env);
  const problems: EnvProblem[] = parsed.success
    ? serviceClientProblems(parsed.data, c, url)
    : parsed.error.issues.map((i) => ({ variable: String(i.path[0]), message: i.message }));
  if (problems.length > 0) {
    throw new Error(
      `invalid ${c.prefix} client configuration: ${problems.map((p) => `${p.variable}: ${p.message}`).join('; ')}`,
    );
  }
  return serviceAccess(parsed.data as Record<string, unknown>, c, url);
}
