// Shared by the consumer benchmark's processes (CommonJS, no dependencies): a 1 ms bucket
// latency histogram up to 60 s; the send-time stamp the bench publisher writes at the start of
// each payload (13 ASCII digits of epoch ms: the intended send time, so a stalled publisher shows
// up as latency instead of hiding it); the subscribers' progress lines and CPU figure; the
// project's TypeScript libraries for a bench that drives them directly; Redis's commandstats.
'use strict';

const STAMP_BYTES = 13;
const MAX_MS = 60_000;

const TS_FIELD = Buffer.from('"ts":');

/**
 * Epoch ms written at the start of a bench payload, or the `ts` of the agents' JSON telemetry
 * (its intended send time, as the gateway's e2e latency reads it); NaN for any other payload.
 */
function stampOf(payload) {
  if (payload[0] === 0x7b) {
    const at = payload.indexOf(TS_FIELD);
    if (at < 0) {
      return NaN;
    }
    let ms = 0;
    for (let i = at + TS_FIELD.length; i < payload.length && payload[i] >= 0x30 && payload[i] <= 0x39; i++) {
      ms = ms * 10 + payload[i] - 0x30;
    }
    return ms;
  }
  return payload.length >= STAMP_BYTES ? Number(payload.latin1Slice(0, STAMP_BYTES)) : NaN;
}

/** A payload of `size` bytes stamped with `sentAt`. */
function stampedPayload(sentAt, size) {
  const payload = Buffer.alloc(Math.max(size, STAMP_BYTES), 0x20);
  payload.latin1Write(String(sentAt).padStart(STAMP_BYTES, '0'), 0);
  return payload;
}

class LatencyHistogram {
  constructor() {
    this.buckets = new Uint32Array(MAX_MS + 1);
    this.count = 0;
    this.max = 0;
  }

  record(ms) {
    const v = ms < 0 ? 0 : ms > MAX_MS ? MAX_MS : Math.round(ms);
    this.buckets[v] += 1;
    this.count += 1;
    if (v > this.max) {
      this.max = v;
    }
  }

  percentile(p) {
    if (this.count === 0) {
      return null;
    }
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let v = 0; v <= MAX_MS; v += 1) {
      seen += this.buckets[v];
      if (seen >= rank) {
        return v;
      }
    }
    return MAX_MS;
  }

  summary() {
    return {
      p50: this.percentile(50),
      p95: this.percentile(95),
      p99: this.percentile(99),
      max: this.max,
    };
  }
}

/** Prints {"received":N} every 500 ms while N changes: consumer-bench.sh waits on it to drain. */
function printProgress(count) {
  let shown = -1;
  setInterval(() => {
    const received = count();
    if (received !== shown) {
      shown = received;
      process.stdout.write(`${JSON.stringify({ received })}\n`);
    }
  }, 500).unref();
}

/** % of one core this process used since `cpu0` (process.cpuUsage()) taken at `t0` (ms). */
function cpuPercentSince(cpu0, t0) {
  const cpu = process.cpuUsage(cpu0);
  const secs = (Date.now() - t0) / 1000;
  return Math.round(((cpu.user + cpu.system) / 1e6 / secs) * 1000) / 10;
}

/**
 * The project's TypeScript libraries loaded in a plain node process: ts-node (transpile only) with
 * the workspace's path aliases. `requireTs('libs/x/src')` returns that module; call it before any
 * measured work, so compiling stays out of the figures.
 */
function requireTs(fromRoot) {
  const path = require('node:path');
  const root = path.resolve(__dirname, '../..');
  if (!requireTs.registered) {
    require('ts-node').register({
      transpileOnly: true,
      project: path.join(root, 'tsconfig.base.json'),
      compilerOptions: { module: 'commonjs', importHelpers: false, esModuleInterop: true },
    });
    const { compilerOptions } = require(path.join(root, 'tsconfig.base.json'));
    require('tsconfig-paths').register({ baseUrl: root, paths: compilerOptions.paths });
    requireTs.registered = true;
  }
  return require(path.join(root, fromRoot));
}

/**
 * Redis's INFO commandstats text as `{ name, calls, usec }` per command, without the benches' own
 * CONFIG (RESETSTAT, reported as `config|resetstat`) and INFO calls.
 */
function commandStats(info) {
  const out = [];
  for (const line of info.split('\n')) {
    const m = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line.trim());
    if (m && !m[1].startsWith('config') && m[1] !== 'info') {
      out.push({ name: m[1], calls: Number(m[2]), usec: Number(m[3]) });
    }
  }
  return out;
}

/** A script call, whose time in commandstats includes the commands it ran. */
const isScript = (name) => name === 'evalsha' || name === 'eval';

module.exports = {
  LatencyHistogram,
  stampOf,
  stampedPayload,
  printProgress,
  cpuPercentSince,
  requireTs,
  commandStats,
  isScript,
};
