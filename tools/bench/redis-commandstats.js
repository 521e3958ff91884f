#!/usr/bin/env node
// Where Redis spends its time during a bench run, per message ingested.
//   node tools/bench/redis-commandstats.js reset                  CONFIG RESETSTAT
//   node tools/bench/redis-commandstats.js report <messages> [out.json]
// `report` reads INFO commandstats (Redis counts the commands a script calls as well as the
// script's own EVALSHA, whose time includes theirs) and prints one line: the scripts' µs per
// message and, per command, calls and µs per message, the costliest first. REDIS_URL as the
// stack's env.sh sets it. Not a test: figures for docs/benchmarks.md.
'use strict';
const Redis = require('ioredis');
const { commandStats, isScript } = require('./bench-common');

async function main() {
  const [cmd, messagesArg, out] = process.argv.slice(2);
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
  });
  await redis.connect();
  try {
    if (cmd === 'reset') {
      await redis.config('RESETSTAT');
      return;
    }
    const messages = Number(messagesArg);
    if (cmd !== 'report' || !(messages > 0)) {
      throw new Error('usage: redis-commandstats.js reset | report <messages> [out.json]');
    }
    const perMessage = commandStats(await redis.info('commandstats'))
      .map((s) => ({
        ...s,
        callsPerMsg: round(s.calls / messages, 3),
        usPerMsg: round(s.usec / messages, 3),
      }))
      .sort((a, b) => b.usec - a.usec);
    if (out) {
      require('fs').writeFileSync(out, JSON.stringify({ messages, commands: perMessage }, null, 2));
    }
    const scripts = perMessage.filter((s) => isScript(s.name));
    const inner = perMessage.filter((s) => !isScript(s.name));
    const scriptUs = round(scripts.reduce((n, s) => n + s.usec, 0) / messages, 2);
    process.stdout.write(
      `scripts ${scriptUs} µs/msg; ` +
        inner
          .slice(0, 10)
          .map((s) => `${s.name} ${s.callsPerMsg}/msg ${s.usPerMsg} µs/msg`)
          .join(', ') +
        '\n',
    );
  } finally {
    redis.disconnect();
  }
}

const round = (n, digits) => Math.round(n * 10 ** digits) / 10 ** digits;

main().catch((err) => {
  process.stderr.write(`redis-commandstats: ${err.message}\n`);
  process.exit(1);
});
