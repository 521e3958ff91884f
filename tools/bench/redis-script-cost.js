#!/usr/bin/env node
// What the gateway's per-message Redis work costs inside Redis, on the stack's Redis: the settle's
// identities section (ADR 0050: each stored message recorded and its device's sequence moved, in
// one pass), through the project's own code (libs/ingest-pipeline's IdentitySettler in the settle's batch script, ADR 0025),
// and, for comparison in the same run, the idempotency record and the per-device sequence record
// each on its own (libs/idempotency, libs/run-accounting), on batches of RSC_BATCH messages (125:
// the gateway's mean batch at 16k msg/s) for RSC_ROUNDS rounds over 10,000 devices. Redis's INFO commandstats is reset before each call and read after it, so each figure
// is the script's time in Redis (EVALSHA) and, within it, the time of the commands it called;
// the rest is the Lua that runs around them. Not a test: figures for docs/benchmarks.md.
//   . tools/stack/env.sh && eval "$(STACK_SECURE=0 bash tools/stack/up.sh)" && node tools/bench/redis-script-cost.js
'use strict';
const { commandStats, isScript, requireTs } = require('./bench-common');
const { Redis } = require('ioredis');
const { IdempotencyStore } = requireTs('libs/idempotency/src');
const { DeviceSequences, RUN_KEYS } = requireTs('libs/run-accounting/src');
const { IdentitySettler, SETTLE_IDENTITIES_SCRIPT } = requireTs(
  'libs/ingest-pipeline/src/lib/counters/settle-identities',
);
const { ScriptBatch } = requireTs('libs/ingest-pipeline/src/lib/counters/script-batch');

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
  const store = new IdempotencyStore(redis, { prefix: tag, ttlSec: 600 });
  const settler = new IdentitySettler(redis, store);
  const transaction = ScriptBatch.factory(redis, [SETTLE_IDENTITIES_SCRIPT]);
  const sequences = new DeviceSequences(redis);
  const totals = {};
  for (const name of ['settle', 'commit', 'sequence']) {
    totals[name] = { script: 0, commands: 0 };
  }
  const t0 = Date.now();
  for (let round = 0; round < ROUNDS; round++) {
    const batch = Array.from({ length: BATCH }, (_, i) => {
      const n = round * BATCH + i;
      return { deviceId: `dev-${n % DEVICES}`, seq: Math.floor(n / DEVICES), ts: t0 + n };
    });
    // The settle records each message in a set of its own prefix, so that the separate commit
    // below finds it new as well.
    const settled = batch.map((m) => ({ msg: { ...m, deviceId: `s-${m.deviceId}` }, runId: tag }));
    const steps = {
      settle: () => {
        const tx = transaction();
        settler.settleIn(tx, { stored: settled, unstored: [] });
        return tx.exec();
      },
      commit: () => store.commit(batch),
      sequence: () =>
        sequences.record(
          tag,
          batch.map((m) => ({ ...m, duplicate: false })),
        ),
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
  for (const [name, t] of Object.entries(totals)) {
    process.stdout.write(
      `${name.padEnd(8)} ${(t.script / messages).toFixed(2)} µs/msg in Redis, of which its commands ` +
        `${(t.commands / messages).toFixed(2)} (${Math.round((100 * t.commands) / t.script)} %)\n`,
    );
  }
  const apart = totals.commit.script + totals.sequence.script;
  process.stdout.write(
    `settle / (commit + sequence apart) ${(totals.settle.script / apart).toFixed(2)} ` +
      `(${messages} messages in batches of ${BATCH})\n`,
  );
  // What the run wrote: the device hash and the committed sets.
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
