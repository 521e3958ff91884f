// Test helpers for the InfluxWriter specs (not exported from the lib).
import type { TelemetryV1 } from '@sousvide/telemetry-schema';
import {
  startFaultServer,
  type FaultScript,
  type FaultServer,
} from './influx-fault-server.testing';
import type { InfluxWriterConfig } from './influx-writer.config';
import { InfluxWriter } from './influx-writer';

/** A valid message; `i` makes deviceId, seq, ts and tempC distinct. */
export function telemetryMessage(i: number, patch: Partial<TelemetryV1> = {}): TelemetryV1 {
  return {
    v: 1,
    deviceId: `sv-${String(i).padStart(6, '0')}`,
    seq: i,
    ts: 1_795_788_700_000 + i * 1000,
    runId: 'run-under-test',
    tempC: 50 + i / 10,
    targetC: 57,
    heaterOn: i % 2 === 0,
    pumpOn: true,
    waterLevel: 0.5,
    state: 'cooking',
    ...patch,
  };
}

export interface WriterUnderTest {
  server: FaultServer;
  writer: InfluxWriter;
  /** Delays the writer asked to sleep, in order; the fake sleep returns at once. */
  sleeps: number[];
  /** Fake clock: starts at 0 and advances by each requested sleep. */
  clock: { now: number };
  close(): Promise<void>;
}

/**
 * A writer against a fresh fault server, with deterministic jitter (random = 0.5), a fake sleep
 * that only records and a fake clock, so retry tests take milliseconds.
 */
export async function startWriterUnderTest(
  script: FaultScript,
  overrides: Partial<InfluxWriterConfig> = {},
): Promise<WriterUnderTest> {
  const server = await startFaultServer(script);
  const sleeps: number[] = [];
  const clock = { now: 0 };
  const writer = new InfluxWriter({
    url: server.url,
    token: 'test-token',
    org: 'sousvide',
    bucket: 'telemetry',
    random: () => 0.5,
    now: () => clock.now,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.now += ms;
      return Promise.resolve();
    },
    ...overrides,
  });
  return {
    server,
    writer,
    sleeps,
    clock,
    close: async () => {
      await writer.close();
      await server.close();
    },
  };
}
