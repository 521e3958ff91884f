// Exit 0 when node_modules holds every package version package-lock.json pins (npm's own record,
// node_modules/.package-lock.json), 1 otherwise; optional packages (other platforms) may be absent.
const { readFileSync } = require('node:fs');
const read = (p) => JSON.parse(readFileSync(p, 'utf8'));
let installed;
try {
  installed = read('node_modules/.package-lock.json').packages;
} catch {
  process.exit(1);
}
const stale = Object.entries(read('package-lock.json').packages).filter(
  ([path, pin]) =>
    path.startsWith('node_modules/') &&
    (installed[path] ? installed[path].version !== pin.version : !pin.optional),
);
for (const [path] of stale.slice(0, 5)) {
  console.error(`[prereqs] npm: ${path} missing or another version`);
}
process.exit(stale.length === 0 ? 0 : 1);
