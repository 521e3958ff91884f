import { join } from 'node:path';
import { readRunRecord, type RunRecord } from './run-record.reader';

/** Recorded run folders (copied from docs/loadtest-runs) for the methods' unit tests. */
export const FIXTURE_RUNS = join(__dirname, '../../../test/fixtures/runs');

export const FIXTURES = {
  /** 200 devices x 1 msg/s x 10 s, QoS 1, mqttjs: passed, every SLO met. */
  passed: '20261127-161546',
  /** 1000 x 1 x 40 s: generator fine, Redis down: ingestion and heartbeat SLOs missed. */
  redisOutage: 'chaos-redis-outage-20261127-185310',
  /** 1000 x 1 x 40 s: generator fine, Influx slow: p95 e2e latency missed. */
  influxSpike: 'chaos-influx-spike-20261127-184734',
  /** 1000 x 1 x 40 s: the broker restarted: 8,266 failed messages (not_connected, publish_timeout). */
  brokerRestart: 'chaos-broker-restart-20261127-195153',
  /** 2000 x 2.5 x 45 s: generator saturated; per-stage figures. */
  gatewayKill: 'chaos-gateway-kill-20261202-135437',
} as const;

export function fixture(name: keyof typeof FIXTURES, model?: string): RunRecord {
  const r = readRunRecord(FIXTURE_RUNS, FIXTURES[name]);
  return model ? { ...r, shape: { ...r.shape, model } } : r;
}
