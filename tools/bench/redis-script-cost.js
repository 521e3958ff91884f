#!/usr/bin/env node
// What each of the gateway's per-message Redis scripts costs inside Redis, alone, on the stack's
// Redis: the idempotency claim, its commit and the per-device sequence record, each run through
// the project's own stores (libs/idempotency, libs/run-accounting) on batches of RSC_BATCH
// messages (125: the gateway's mean batch at 16k msg/s) for RSC_ROUNDS rounds over 10,000
// devices. Redis's INFO commandstats is reset before each call and read after it, so each figure
// is the script's time in Redis (EVALSHA) and, within it, the time of the commands it called;
// the rest is the Lua that runs around them. Not a test: figures for docs/benchmarks.md.
//   . tools/stack/env.sh && eval "$(STACK_SECURE=0 bash tools/stack/up.sh)" && node tools/bench/redis-script-cost.js
'use strict';
const { commandStats, isScript, requireTs } = require('./bench-common');
const { Redis } = require('ioredis');
const { IdempotencyStore } = requireTs('libs/idempotency/src');
const { DeviceSequences, RUN_KEYS } = requireTs('libs/run-accounting/src');

const BATCH = Number(process.env.RSC_BATCH ?? 125);
const ROUNDS = Number(process.env.RSC_ROUNDS ?? 400);
const DEVICES = 10_000;

/** Microseconds in scripts and in the commands they called since the last RESETSTAT. */
async function spent(redis) {
  let script = 0;
  let commands = 0;
  for (const s of commandStats(await redis.info('commandstats'))) {
    if (isScript(s.name)) {
      script += s.usec;
    } else {
      commands += s.usec;
    }
  }
  return { script, commands };
}

async function main() {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
  });
  redis.on('error', () => undefined);
  const tag = `rsc${Date.now()}`;
  const store = new IdempotencyStore(redis, {
    prefix: tag,
    ttlSec: 600,
    owner: { gatewayId: 'bench', incarnation: tag },
  });
  const sequences = new DeviceSequences(redis);
  const totals = {};
  for (const name of ['claim', 'commit', 'sequence']) {
    totals[name] = { script: 0, commands: 0 };
  }
  const t0 = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    const batch = Array.from({ length: BATCH }, (_, i) => {
      const n = round * BATCH + i;
      return { deviceId: `dev-${n % DEVICES}`, seq: Math.floor(n / DEVICES), ts: t0 + n };
    });
    const steps = {
      claim: () => store.claim(batch),
      commit: () => store.commit(batch),
      sequence: () => sequences.record(tag, batch.map((m) => ({ ...m, duplicate: false }))),
    };
    for (const [name, step] of Object.entries(steps)) {
      await redis.config('RESETSTAT');
      await step();
      const s = await spent(redis);
      totals[name].script += s.script;
      totals[name].commands += s.commands;
    }
  }
  const messages = BATCH * ROUNDS;
  let all = 0;
  for (const [name, t] of Object.entries(totals)) {
    all += t.script;
    process.stdout.write(
      `${name.padEnd(8)} ${(t.script / messages).toFixed(2)} µs/msg in Redis, of which its commands ` +
        `${(t.commands / messages).toFixed(2)} (${Math.round((100 * t.commands) / t.script)} %)\n`,
    );
  }
  process.stdout.write(`all three ${(all / messages).toFixed(2)} µs/msg (${messages} messages in batches of ${BATCH})\n`);
  // What the run wrote: the device hash, and the committed sets and any claim left (none).
  await redis.del(RUN_KEYS.runDevices(tag));
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${tag}:*`, 'COUNT', 1000);
    if (keys.length > 0) {
      await redis.del(...keys);
    }
    cursor = next;
  } while (cursor !== '0');
  redis.disconnect();
}

main().catch((err) => {
  process.stderr.write(`redis-script-cost: ${err.message}\n`);
  process.exit(1);
});
