// HEALTHCHECK of the app images: 200 from the ops port's /health, or nothing to check when the
// app has no ops port (OPS_PORT=0, e.g. the one-shot dlq-replayer).
const port = Number(process.env.OPS_PORT || 0);
if (!port) {
  process.exit(0);
}
fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(8000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
