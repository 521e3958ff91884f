import * as http from 'node:http';
import * as https from 'node:https';
import { InfluxDB, RequestTimedOutError, type Transport } from '@influxdata/influxdb-client';
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import { classifyWriteError, InfluxRetryPolicy } from './influx-retry-policy';
import { InfluxWriteError, type InfluxFailureCode } from './influx-write.error';
import {
  resolveInfluxWriterConfig,
  type InfluxWriterConfig,
  type ResolvedInfluxWriterConfig,
} from './influx-writer.config';
import { telemetryToLine } from './line-protocol';

/** A message that was not stored, with a stable code (see {@link InfluxFailureCode}). */
export interface InfluxWriteFailure {
  message: TelemetryV1;
  code: InfluxFailureCode;
  error: string;
}

/**
 * Result of one {@link InfluxWriter.write} call. Every input message is in exactly one of `ok` and
 * `failed`. `attempts` counts HTTP requests (halves of split batches included), `retries` the
 * re-sends after transient failures.
 */
export interface InfluxWriteOutcome {
  ok: TelemetryV1[];
  failed: InfluxWriteFailure[];
  attempts: number;
  retries: number;
}

interface EncodedPoint {
  message: TelemetryV1;
  line: string;
}

type SendResult = { ok: true } | { ok: false; error: unknown; timedOut: boolean };

// Same headers as the client's WriteApi (WriteApiImpl sendOptions).
const WRITE_HEADERS = { 'content-type': 'text/plain; charset=utf-8' };

/**
 * Writes telemetry batches to an InfluxDB v2 `/api/v2/write` endpoint (precision ms) with our own
 * retry policy: transient failures back off with full jitter (honouring Retry-After), 413 splits
 * the batch, 400/422 bisect it so only the bad lines fail, and auth/404 errors fail at once.
 *
 * It sends through the client library's `Transport.request()`, not its `WriteApi`: the WriteApi
 * shares one line buffer between callers, auto-flushes in the background and swallows those errors,
 * its retry buffer drops lines on close, and it cannot abort a timed-out request.
 *
 * A write never throws for write failures and holds nothing beyond the batch it was given. Safe to
 * call concurrently; `close()` ends the calls in flight.
 */
export class InfluxWriter {
  private readonly config: ResolvedInfluxWriterConfig;
  private readonly policy: InfluxRetryPolicy;
  private readonly agent: http.Agent;
  private readonly transport: Transport;
  private readonly path: string;
  private readonly inFlight = new Set<Promise<InfluxWriteOutcome>>();
  private readonly requests = new Set<AbortController>();
  private closing = false;
  private markClosed: () => void = () => undefined;
  private readonly closed = new Promise<void>((resolve) => (this.markClosed = resolve));

  constructor(config: InfluxWriterConfig) {
    this.config = resolveInfluxWriterConfig(config);
    const { url, token, org, bucket, timeoutMs } = this.config;
    this.policy = new InfluxRetryPolicy(this.config);
    // Own keep-alive agent so close() can release the sockets instead of leaving them to the
    // process-wide global agent.
    // The client hands the agent to https.request, which takes the agent's TLS options (ca, cert,
    // key) as defaults for every connection it opens.
    const agentOptions = { keepAlive: true };
    this.agent = url.startsWith('https:')
      ? new https.Agent({ ...agentOptions, ...this.config.tls })
      : new http.Agent(agentOptions);
    this.transport = new InfluxDB({
      url,
      token,
      timeout: timeoutMs,
      transportOptions: { agent: this.agent },
    }).transport;
    const query = new URLSearchParams({ org, bucket, precision: 'ms' });
    this.path = `/api/v2/write?${query.toString()}`;
  }

  /**
   * Writes the batch and reports, per message, whether it is stored. Messages that cannot be
   * encoded fail with `INVALID` and are not sent. Resolves within about `retryBudgetMs` plus the
   * request time of the batch's halves; never rejects for write failures.
   */
  write(messages: TelemetryV1[]): Promise<InfluxWriteOutcome> {
    const task = this.writeBatch(messages);
    this.inFlight.add(task);
    const forget = (): void => void this.inFlight.delete(task);
    task.then(forget, forget);
    return task;
  }

  /**
   * Stops retrying and resolves once every write in flight has settled: requests under way are
   * aborted (a shutdown must not wait out a hanging store's timeout: the gateway closes the writer
   * only after its own deadline, with nothing of it acknowledged), pending retries and later writes
   * fail with `CLOSED`. Idempotent.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.markClosed();
    this.requests.forEach((r) => r.abort());
    await Promise.allSettled([...this.inFlight]);
    this.agent.destroy();
  }

  private async writeBatch(messages: TelemetryV1[]): Promise<InfluxWriteOutcome> {
    const outcome: InfluxWriteOutcome = { ok: [], failed: [], attempts: 0, retries: 0 };
    const points: EncodedPoint[] = [];
    for (const message of messages) {
      try {
        points.push({ message, line: telemetryToLine(message) });
      } catch (error) {
        const code = error instanceof InfluxWriteError ? error.code : 'INVALID';
        outcome.failed.push({ message, code, error: String(error) });
      }
    }
    if (this.closing) {
      fail(outcome, points, 'CLOSED', 'InfluxWriter is closed');
    } else if (points.length > 0) {
      await this.writePoints(points, outcome, this.config.now() + this.config.retryBudgetMs);
    }
    return outcome;
  }

  /** Writes one (sub-)batch; halves are written one after the other to spare a struggling server. */
  private async writePoints(
    points: EncodedPoint[],
    outcome: InfluxWriteOutcome,
    deadline: number,
  ): Promise<void> {
    for (let retry = 0; ; retry++) {
      const result = await this.send(points.map((p) => p.line).join('\n'));
      outcome.attempts++;
      if (result.ok) {
        outcome.ok.push(...points.map((p) => p.message));
        return;
      }
      const verdict = classifyWriteError(result.error, result.timedOut, this.config.now());
      switch (verdict.action) {
        case 'fail':
          return fail(outcome, points, verdict.code, verdict.reason);
        case 'halve': {
          if (points.length === 1) {
            return fail(outcome, points, verdict.code, verdict.reason);
          }
          const middle = Math.ceil(points.length / 2);
          await this.writePoints(points.slice(0, middle), outcome, deadline);
          await this.writePoints(points.slice(middle), outcome, deadline);
          return;
        }
        case 'retry': {
          const remaining = deadline - this.config.now();
          const delay = this.policy.nextDelayMs(retry, verdict.retryAfterMs, remaining);
          if (delay === undefined) {
            return fail(outcome, points, verdict.code, verdict.reason);
          }
          if (!(await this.pause(delay))) {
            return fail(outcome, points, 'CLOSED', `closed before retry; last: ${verdict.reason}`);
          }
          outcome.retries++;
        }
      }
    }
  }

  /** Sleeps unless the writer is (or gets) closed; false when closed. */
  private async pause(ms: number): Promise<boolean> {
    if (this.closing) {
      return false;
    }
    await Promise.race([this.config.sleep(ms), this.closed]);
    return !this.closing;
  }

  /** One HTTP request under a hard deadline: our timer aborts it, which also frees the socket. */
  private async send(body: string): Promise<SendResult> {
    const abort = new AbortController();
    this.requests.add(abort);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.config.timeoutMs);
    try {
      await this.transport.request(this.path, body, {
        method: 'POST',
        headers: WRITE_HEADERS,
        gzipThreshold: this.config.gzipThreshold,
        signal: abort.signal,
      });
      return { ok: true };
    } catch (error) {
      if (error instanceof RequestTimedOutError) {
        // The library reports its socket timeout but leaves the request open (NodeHttpTransport).
        timedOut = true;
        abort.abort();
      }
      return { ok: false, error, timedOut };
    } finally {
      clearTimeout(timer);
      this.requests.delete(abort);
    }
  }
}

function fail(
  outcome: InfluxWriteOutcome,
  points: EncodedPoint[],
  code: InfluxFailureCode,
  error: string,
): void {
  for (const { message } of points) {
    outcome.failed.push({ message, code, error });
  }
}
