/** Text for HTML element content and attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * A table cell showing one JSON value exactly as the file has it, tagged with where it came
 * from (`data-json="business.e2e_latency_ms.p95"`), so a test can check the page against the files.
 */
export function jsonCell(path: string, value: unknown): string {
  return `<td data-json="${esc(path)}">${esc(value)}</td>`;
}

/**
 * A cell for a boolean of a JSON file, shown as a word (PASS/FAIL, yes/no): `data-json` names it
 * and `data-true` the word that means true, so a check can map the text back to the value.
 */
export function flagCell(path: string, value: boolean, yes: string, no: string): string {
  const cls = yes === 'PASS' ? ` class="${value ? 'pass' : 'fail'}"` : '';
  return `<td${cls} data-json="${esc(path)}" data-true="${esc(yes)}">${esc(value ? yes : no)}</td>`;
}

export function table(head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

export const td = (v: unknown): string => `<td>${esc(v)}</td>`;
