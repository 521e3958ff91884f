#!/usr/bin/env node
// What the store (the Influx v2 write endpoint: VictoriaMetrics here) spends per message of the
// gateway's kind: SWC_RATE messages per second for SWC_SECONDS, SWC_DEVICES devices, batches of
// SWC_BATCH lines made by the gateway's own telemetryToLine (libs/ingest-storage), written to
// SWC_URL (default INFLUX_URL). Reads the store's /metrics before and after: its CPU seconds, rows,
// new series, slow per-day index inserts and the hour cache, so two runs (two hours, two flags)
// compare per row. Not a test: figures for docs/benchmarks.md. Point it at a store of its own,
// not at one a run is writing to.
//   SWC_URL=http://127.0.0.1:18428 node tools/bench/store-write-cost.js
'use strict';
const { requireTs } = require('./bench-common');
const { telemetryToLine } = requireTs('libs/ingest-storage/src');
const { DEVICE_STATES } = requireTs('libs/telemetry-schema/src');

const url = process.env.SWC_URL ?? process.env.INFLUX_URL ?? 'http://127.0.0.1:8428';
const RATE = Number(process.env.SWC_RATE ?? 10_000);
const SECONDS = Number(process.env.SWC_SECONDS ?? 20);
const DEVICES = Number(process.env.SWC_DEVICES ?? 10_000);
const BATCH = Number(process.env.SWC_BATCH ?? 100);

/** The store's own figures of interest, from its Prometheus text. */
async function storeMetrics() {
  const text = await (await fetch(`${url}/metrics`)).text();
  const pick = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.slice(name.length + 1)) : NaN;
  };
  return {
    cpu: pick('process_cpu_seconds_total'),
    rows: pick('vm_rows_inserted_total{type="influx"}'),
    created: pick('vm_new_timeseries_created_total'),
    slowPerDay: pick('vm_slow_per_day_index_inserts_total'),
    hourCache: pick('vm_cache_entries{type="storage/hour_metric_ids"}'),
  };
}

async function write(lines) {
  const res = await fetch(`${url}/api/v2/write?org=bench&bucket=bench&precision=ms`, {
    method: 'POST',
    body: lines.join('\n'),
  });
  if (!res.ok) {
    throw new Error(`store answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  }
}

async function main() {
  const before = await storeMetrics().catch((err) => {
    throw new Error(`no store at ${url} (${err.cause?.code ?? err.message}): set SWC_URL`);
  });
  const seqs = new Uint32Array(DEVICES);
  const t0 = Date.now();
  let sent = 0;
  let device = 0;
  while (Date.now() - t0 < SECONDS * 1000) {
    // Keep to the rate: write what is due, then wait for the next batch's turn.
    const due = Math.floor(((Date.now() - t0) / 1000) * RATE);
    if (sent >= due) {
      await new Promise((r) => setTimeout(r, Math.max(1, ((sent + BATCH - due) / RATE) * 1000)));
      continue;
    }
    const lines = [];
    const now = Date.now();
    for (let i = 0; i < BATCH; i++, device = (device + 1) % DEVICES) {
      lines.push(
        telemetryToLine({
          v: 1,
          deviceId: `sv-${String(device).padStart(6, '0')}`,
          seq: seqs[device]++,
          ts: now - (i % 7),
          runId: 'store-write-cost',
          tempC: 55 + (i % 10) / 10,
          targetC: 56.5,
          heaterOn: i % 2 === 0,
          pumpOn: true,
          waterLevel: 0.8,
          state: DEVICE_STATES[i % DEVICE_STATES.length],
        }),
      );
    }
    await write(lines);
    sent += BATCH;
  }
  const elapsed = (Date.now() - t0) / 1000;
  // Let the store finish what it took in (its in-memory parts are flushed within a second or so).
  await new Promise((r) => setTimeout(r, 3000));
  const after = await storeMetrics();
  const rows = after.rows - before.rows;
  const cpu = after.cpu - before.cpu;
  const out = {
    utcHour: new Date(t0).getUTCHours(),
    messages: sent,
    msgPerSec: Math.round(sent / elapsed),
    rows,
    newSeries: after.created - before.created,
    storeCpuSec: Number(cpu.toFixed(2)),
    storeCpuPercentOfCore: Number(((100 * cpu) / (elapsed + 3)).toFixed(1)),
    usPerMessage: Number(((cpu * 1e6) / sent).toFixed(2)),
    usPerRow: Number(((cpu * 1e6) / rows).toFixed(3)),
    slowPerDayInserts: after.slowPerDay - before.slowPerDay,
    hourCacheEntries: after.hourCache,
  };
  console.log(JSON.stringify(out));
}

main().catch((err) => {
  console.error(`store-write-cost: ${err.message}`);
  process.exit(1);
});
