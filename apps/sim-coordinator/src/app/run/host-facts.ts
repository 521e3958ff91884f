import { readFileSync } from 'node:fs';
import { cpus, hostname, release, totalmem } from 'node:os';
import { join } from 'node:path';

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(
      readFileSync(join(process.cwd(), 'node_modules', name, 'package.json'), 'utf8'),
    ) as {
      version?: string;
    };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Facts that decide how many connections a host can open: recorded in run.json. */
export function hostFacts(): Record<string, unknown> {
  const limits = readOr('/proc/self/limits', '');
  const nofile = /Max open files\s+(\S+)\s+(\S+)/.exec(limits);
  return {
    hostname: hostname(),
    kernel: release(),
    cores: cpus().length,
    memoryBytes: totalmem(),
    nofileSoft: nofile?.[1] ?? 'unknown',
    nofileHard: nofile?.[2] ?? 'unknown',
    ephemeralPortRange: readOr('/proc/sys/net/ipv4/ip_local_port_range', 'unknown').replace(
      /\s+/g,
      '-',
    ),
    node: process.version,
    versions: Object.fromEntries(
      ['mqtt', 'mqtt-packet', 'bullmq', 'ioredis', '@nestjs/core'].map((p) => [
        p,
        packageVersion(p),
      ]),
    ),
  };
}
