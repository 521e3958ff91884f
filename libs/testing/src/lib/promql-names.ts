/** PromQL words that look like metric names but are not (operators, modifiers). */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'offset',
  'atan2',
  'inf',
  'nan',
]);

/**
 * The metric names a PromQL expression selects: every identifier that is not a function call, a
 * keyword, a label (inside `{}` or a `by (...)` list), a string, a duration or a Grafana variable.
 * Enough for the expressions of our dashboard and rules; not a PromQL parser.
 */
export function promqlMetricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (!m[2] && !KEYWORDS.has(m[1].toLowerCase())) {
      names.add(m[1]);
    }
  }
  return [...names];
}

/** The sample names (histograms' `_bucket`, `_sum`, `_count` included) of a /metrics text. */
export function exportedSampleNames(metricsText: string): Set<string> {
  const names = new Set<string>();
  for (const line of metricsText.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)[\s{]/.exec(line);
    if (m) {
      names.add(m[1]);
    }
  }
  return names;
}
