import type { ChainableCommander, Redis } from 'ioredis';

/** A Lua script as `defineCommand` takes it; no `numberOfKeys`: the first argument is the count. */
export interface ScriptDefinition {
  name: string;
  lua: string;
  numberOfKeys?: number;
}

/** The plain commands a settle queues besides the scripts (heartbeats). */
const BUILTINS: ScriptDefinition[] = [
  {
    // ZADD key <flags...> score member ...: ARGV[1] is the flag (GT), then pairs; sent in slices
    // of 500 pairs because unpack() of a large table overflows Lua's C stack.
    name: 'zadd',
    lua: `local n, i, added = #ARGV, 2, 0
while i <= n do
  local j = math.min(i + 999, n)
  added = added + redis.call('ZADD', KEYS[1], ARGV[1], unpack(ARGV, i, j))
  i = j + 1
end
return added`,
    numberOfKeys: 1,
  },
];

/**
 * One script that runs every section of a batch in order, each section an existing script body
 * run as a Lua function over its own slice of KEYS and ARGV (the parameters shadow the globals),
 * each under pcall: a section that fails reports its error and the others still apply, as in a
 * MULTI. ARGV: per section, its index, key count, argument count, then its arguments.
 */
function composedLua(defs: readonly ScriptDefinition[]): string {
  const fns = defs.map((d) => `function(KEYS, ARGV)\n${d.lua}\nend`).join(',\n');
  return `local sections = {
${fns}
}
local out, k, a = {}, 1, 1
while a <= #ARGV do
  local s, nk, na = tonumber(ARGV[a]), tonumber(ARGV[a + 1]), tonumber(ARGV[a + 2])
  local keys, args = {}, {}
  for i = 1, nk do keys[i] = KEYS[k + i - 1] end
  for i = 1, na do args[i] = ARGV[a + 2 + i] end
  k, a = k + nk, a + 3 + na
  local ok, res = pcall(sections[s], keys, args)
  if not ok then
    out[#out + 1] = { err = type(res) == 'table' and res.err or tostring(res) }
  elseif res == nil or res == false then
    out[#out + 1] = 0
  else
    out[#out + 1] = res
  end
end
return out`;
}

type Queued = { index: number; keys: (string | number)[]; args: (string | number)[] };
type Composed = Record<
  string,
  (numKeys: number, ...args: (string | number)[]) => Promise<unknown[]>
>;

/**
 * A stand-in for ioredis' MULTI that sends what is queued on it as one EVALSHA of one script
 * (ADR 0025): the stores queue their commands on it exactly as on a MULTI (`settleIn`, `addIn`,
 * `zadd GT`), and `exec` answers like a MULTI's EXEC, one [error, reply] per
 * command. One command and one reply per batch instead of MULTI, each command, EXEC and a QUEUED
 * per command: the client encodes, writes and parses less. Like a MULTI it runs atomically and a
 * command that fails does not stop the others; unlike one, a process killed mid-send sends
 * nothing, since the whole script is one command. Redis Cluster: one batch's keys are not in one
 * slot (devices, runs, identities), so there this would have to split by slot; the project runs one
 * Redis.
 */
export class ScriptBatch {
  private readonly queued: Queued[] = [];

  private constructor(
    private readonly redis: Redis,
    private readonly name: string,
  ) {}

  /**
   * A factory of batches over `defs` on `redis`; the script is defined on the client once (the
   * name carries a hash of the sections, so a changed script never meets an older definition).
   */
  static factory(redis: Redis, defs: readonly ScriptDefinition[]): () => ChainableCommander {
    const all: ScriptDefinition[] = [...BUILTINS, ...defs];
    const lua = composedLua(all);
    const name = `ingestSettleBatch_${hash(lua)}`;
    if (!(name in redis)) {
      redis.defineCommand(name, { lua });
    }
    return () => {
      const batch = new ScriptBatch(redis, name);
      const self = batch as unknown as Record<string, unknown>;
      all.forEach((d, index) => {
        self[d.name] = (...args: (string | number)[]) => batch.queue(index, d, args);
      });
      // The stores type their argument as the MULTI they were written for: this is one.
      return batch as unknown as ChainableCommander;
    };
  }

  /** One [error, reply] per queued command, in order; rejects when the script itself fails. */
  async exec(): Promise<[Error | null, unknown][]> {
    if (this.queued.length === 0) {
      return [];
    }
    const keys: (string | number)[] = [];
    const argv: (string | number)[] = [];
    for (const q of this.queued) {
      keys.push(...q.keys);
      argv.push(q.index + 1, q.keys.length, q.args.length, ...q.args);
    }
    const replies = await (this.redis as unknown as Composed)[this.name](
      keys.length,
      ...keys,
      ...argv,
    );
    return replies.map((r) => (r instanceof Error ? [r, null] : [null, r]));
  }

  private queue(index: number, d: ScriptDefinition, args: (string | number)[]): this {
    const n = d.numberOfKeys ?? Number(args[0]);
    const from = d.numberOfKeys === undefined ? 1 : 0;
    this.queued.push({ index, keys: args.slice(from, from + n), args: args.slice(from + n) });
    return this;
  }
}

/** FNV-1a of the script text, hex: a short, stable suffix for its command name. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return (h >>> 0).toString(16);
}
