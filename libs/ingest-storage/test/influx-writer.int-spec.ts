import {
  exportSeries,
  startVictoriaMetrics,
  type ExportedSeries,
  type VictoriaMetricsService,
} from '@sousvide/testing';
import { runKey, type TelemetryV1 } from '@sousvide/telemetry-schema';
import { InfluxWriter } from '../src/lib/influx/influx-writer';
import { telemetryMessage } from '../src/lib/influx/influx-writer.testing';

// VictoriaMetrics stands in for the InfluxDB v2 write API (docs/architecture.md section 8): it maps
// measurement + field to the metric name `telemetry_<field>` and tags to labels.

const DEVICES = 100;
const POINTS_PER_DEVICE = 5;

/** 500 messages: 100 devices x 5 points 1 s apart; every 5th device is "real" (no runId). */
function fleetBatch(baseTs: number): TelemetryV1[] {
  return Array.from({ length: DEVICES * POINTS_PER_DEVICE }, (_, i) => {
    const device = i % DEVICES;
    const step = Math.floor(i / DEVICES);
    return telemetryMessage(i, {
      deviceId: `sv-int-${device}`,
      runId: device % 5 === 0 ? undefined : 'int-run',
      seq: step,
      ts: baseTs + step * 1000,
    });
  });
}

function exportTelemetry(vm: VictoriaMetricsService): Promise<ExportedSeries[]> {
  return exportSeries(vm, '{__name__=~"telemetry_.*"}');
}

/** `deviceId|ts` -> tempC value, plus the series count. */
function tempCPoints(series: ExportedSeries[]): { series: number; points: Map<string, number[]> } {
  const tempC = series.filter((s) => s.metric['__name__'] === 'telemetry_tempC');
  const points = new Map<string, number[]>();
  for (const s of tempC) {
    s.timestamps.forEach((ts, i) => {
      const key = `${s.metric['deviceId']}|${ts}`;
      points.set(key, [...(points.get(key) ?? []), s.values[i]]);
    });
  }
  return { series: tempC.length, points };
}

describe('InfluxWriter against VictoriaMetrics (/api/v2/write)', () => {
  let vm: VictoriaMetricsService;
  let writer: InfluxWriter;
  // Recent enough for the default retention, whole seconds for readable timestamps.
  const baseTs = Math.floor((Date.now() - 10 * 60_000) / 1000) * 1000;
  const messages = fleetBatch(baseTs);

  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    writer = new InfluxWriter({
      url: vm.url,
      token: 'unused',
      org: 'sousvide',
      bucket: 'telemetry',
    });
  });

  afterAll(async () => {
    await writer?.close();
    await vm?.stop();
  });

  it('stores 500 messages as telemetry_<field> series labelled by device only, the run as a runKey value', async () => {
    const outcome = await writer.write(messages);
    expect(outcome).toMatchObject({ failed: [], attempts: 1, retries: 0 });
    expect(outcome.ok).toHaveLength(500);

    const exported = await exportTelemetry(vm);
    const names = new Set(exported.map((s) => s.metric['__name__']));
    expect([...names].sort()).toEqual(
      ['heaterOn', 'pumpOn', 'runKey', 'seq', 'state', 'targetC', 'tempC', 'waterLevel'].map(
        (field) => `telemetry_${field}`,
      ),
    );
    const { series, points } = tempCPoints(exported);
    expect(series).toBe(DEVICES);
    expect(points.size).toBe(500);
    for (const m of messages) {
      expect(points.get(`${m.deviceId}|${m.ts}`)).toEqual([m.tempC]);
    }
    const realDevice = exported.find(
      (s) => s.metric['__name__'] === 'telemetry_tempC' && s.metric['deviceId'] === 'sv-int-0',
    );
    expect(realDevice?.metric).toEqual({ __name__: 'telemetry_tempC', deviceId: 'sv-int-0' });
    const heater = exported.find(
      (s) => s.metric['__name__'] === 'telemetry_heaterOn' && s.metric['deviceId'] === 'sv-int-1',
    );
    expect(heater?.metric).toEqual({ __name__: 'telemetry_heaterOn', deviceId: 'sv-int-1' });
    expect(heater?.values.every((v) => v === 0 || v === 1)).toBe(true);
    // The run is a value, exactly as written (53 bits survive the store's float64), not a label.
    const run = exported.find(
      (s) => s.metric['__name__'] === 'telemetry_runKey' && s.metric['deviceId'] === 'sv-int-1',
    );
    expect(run?.values).toEqual(Array(POINTS_PER_DEVICE).fill(runKey('int-run')));
    expect(exported.filter((s) => s.metric['__name__'] === 'telemetry_runKey')).toHaveLength(
      (DEVICES * 4) / 5,
    );
  });

  it('overwrites on a second write of the same 500 points (same tags + ts): still 500 points', async () => {
    const outcome = await writer.write(messages);
    expect(outcome.ok).toHaveLength(500);
    expect(outcome.failed).toEqual([]);

    const { series, points } = tempCPoints(await exportTelemetry(vm));
    expect(series).toBe(DEVICES);
    expect(points.size).toBe(500);
    expect([...points.values()].every((values) => values.length === 1)).toBe(true);
  });
});
