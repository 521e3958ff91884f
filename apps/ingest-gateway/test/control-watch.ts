import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { ROOT } from './gateway-process';

/** A fail-safe command as a device receives it. */
export interface ControlCommand {
  deviceId: string;
  reason: string;
  reading: { seq?: number; ts: number };
}

/** Collects every command published on `sousvide/+/control`, as devices would see them. */
export async function watchControl(brokerUrl: string) {
  const commands: ControlCommand[] = [];
  const client = await mqtt.connectAsync(brokerUrl, { clientId: `control-watch-${Date.now()}` });
  client.on('message', (topic, payload) => {
    const c = JSON.parse(payload.toString()) as Omit<ControlCommand, 'deviceId'>;
    commands.push({ ...c, deviceId: topic.split('/')[1] ?? '' });
  });
  await client.subscribeAsync('sousvide/+/control', { qos: 1 });
  return {
    commands,
    of: (deviceId: string) => commands.filter((c) => c.deviceId === deviceId),
    stop: () => client.endAsync(),
  };
}

/** A hot reading (over the default 95 °C), fresh now. */
export function hotReading(deviceId: string, seq: number, extra: Record<string, unknown> = {}) {
  return {
    v: 1,
    deviceId,
    seq,
    ts: Date.now(),
    tempC: 150,
    targetC: 60,
    heaterOn: true,
    pumpOn: true,
    waterLevel: 0.8,
    state: 'cooking',
    ...extra,
  };
}

export interface AuditRecord {
  decision: string;
  deviceId: string;
  gate?: string;
  reading: { seq?: number };
}

export const auditRecords = (path: string): AuditRecord[] =>
  readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditRecord);

/** `ingest-gateway audit verify <file>` as an operator runs it. */
export function auditVerify(file: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(
      process.execPath,
      [join(ROOT, 'dist/apps/ingest-gateway/main.js'), 'audit', 'verify', file],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}
