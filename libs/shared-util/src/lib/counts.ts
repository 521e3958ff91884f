/** A record of named counters, every name present; what counter families here are made of. */
export type Counts<K extends string> = Record<K, number>;

/** Every counter of `names` at 0. */
export function zeroCounts<K extends string>(names: readonly K[]): Counts<K> {
  return Object.fromEntries(names.map((name) => [name, 0])) as Counts<K>;
}

/** Adds `from` into `into`, counter by counter (a missing one adds 0); returns `into`. */
export function addCounts<K extends string>(
  names: readonly K[],
  into: Counts<K>,
  from: Partial<Counts<K>>,
): Counts<K> {
  for (const name of names) {
    into[name] += from[name] ?? 0;
  }
  return into;
}

/** `name=n` for every counter above 0, space-separated: the counts a log line shows. */
export function formatCounts(counts: Readonly<Record<string, number>>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${name}=${n}`)
    .join(' ');
}
