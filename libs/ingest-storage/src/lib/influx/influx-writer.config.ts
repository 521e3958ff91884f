import type { TlsClientOptions } from '@sousvide/security';

/** Where and how {@link InfluxWriter} writes; only url/token/org/bucket are required. */
export interface InfluxWriterConfig {
  /** Base URL of the InfluxDB v2 API, e.g. `http://localhost:8086` (no `/api/v2`). */
  url: string;
  token: string;
  org: string;
  bucket: string;
  /** Hard deadline of one HTTP request, connect to last byte. Default 5000. */
  timeoutMs?: number;
  /**
   * Most retries of one batch after transient failures. Default: no count, `retryBudgetMs` alone
   * bounds them (a count would end a batch against a store that fails fast long before the
   * budget: 5 retries of this backoff are 3.1 s at most, ~1.5 s on average).
   */
  maxRetries?: number;
  /** Wall-clock budget of one `write()` call for retries: no retry starts after it. Default 15000. */
  retryBudgetMs?: number;
  /** Backoff base (first retry waits up to this). Default 100. */
  baseDelayMs?: number;
  /** Backoff cap. Default 5000. */
  maxDelayMs?: number;
  /**
   * Bodies larger than this many bytes are gzipped. Default: never towards a loopback store (gzip
   * was ~4 % of the gateway's CPU in its profile and saves nothing on loopback), 1000 bytes (the
   * client's WriteApi default) towards any other host, where it saves network.
   */
  gzipThreshold?: number;
  /** Uniform [0, 1) for the backoff jitter. Default Math.random. */
  random?: () => number;
  /** Waits between retries. Default a timer; tests pass a fake to stay fast. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock for the retry budget. Default Date.now. */
  now?: () => number;
  /** For an `https://` URL: the CA (and client certificate) to use; default Node's trusted roots. */
  tls?: TlsClientOptions;
}

export type ResolvedInfluxWriterConfig = Required<Omit<InfluxWriterConfig, 'tls'>> &
  Pick<InfluxWriterConfig, 'tls'>;

export const INFLUX_WRITER_DEFAULTS = {
  timeoutMs: 5000,
  maxRetries: Number.POSITIVE_INFINITY,
  retryBudgetMs: 15_000,
  baseDelayMs: 100,
  maxDelayMs: 5000,
  gzipThreshold: 1000,
} as const;

/**
 * Applies defaults and rejects values that would make the writer hang or spin (the app validates
 * its env first; this guards direct use).
 */
export function resolveInfluxWriterConfig(config: InfluxWriterConfig): ResolvedInfluxWriterConfig {
  const resolved: ResolvedInfluxWriterConfig = {
    ...INFLUX_WRITER_DEFAULTS,
    random: Math.random,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: Date.now,
    gzipThreshold: isLoopbackUrl(config.url) ? NEVER_GZIP : INFLUX_WRITER_DEFAULTS.gzipThreshold,
    ...withoutUndefined(config),
  };
  for (const key of Object.keys(
    INFLUX_WRITER_DEFAULTS,
  ) as (keyof typeof INFLUX_WRITER_DEFAULTS)[]) {
    const value = resolved[key];
    // maxRetries alone may be unbounded: the retry budget (finite, checked here) still ends a batch.
    const allowed = key === 'maxRetries' && value === Number.POSITIVE_INFINITY;
    if (!allowed && (!Number.isFinite(value) || value < 0)) {
      throw new Error(`InfluxWriter: ${key} must be a finite number >= 0, got ${value}`);
    }
  }
  if (resolved.timeoutMs === 0) {
    throw new Error('InfluxWriter: timeoutMs must be > 0 (a request without deadline can hang)');
  }
  if (!/^https?:\/\//.test(resolved.url)) {
    throw new Error(`InfluxWriter: url must start with http:// or https://, got "${resolved.url}"`);
  }
  return resolved;
}

/** A threshold no body reaches: gzip off. */
export const NEVER_GZIP = Number.MAX_SAFE_INTEGER;

function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false; // the url check below names the problem
  }
}

// `{ timeoutMs: undefined }` (an unset env var) must not override the default.
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
