import { readFileSync } from 'node:fs';
import type { FaultInjector } from '@sousvide/chaos-faults';
import { appEntry, startChild, waitForHealth, type Child } from './processes';

/** How long a (re)start may take on a busy machine before the run fails saying so. */
const HEALTHY_WITHIN_MS = 30_000;

/**
 * The gateway a chaos run starts: one environment (so a restart keeps its GATEWAY_ID, spool and
 * broker sessions), one log file appended across restarts.
 */
export class ChaosGateway {
  private child?: Child;

  constructor(
    private readonly env: Record<string, string>,
    private readonly logFile: string,
    readonly opsUrl: string,
    private readonly entry = appEntry('ingest-gateway'),
  ) {}

  /**
   * Starts it and waits until /health answers, or throws with the log's last lines: the run's
   * directory may be gone by the time someone reads the error (a CI machine's temp dir).
   */
  async start(): Promise<void> {
    const child = startChild(this.entry, [], this.env, this.logFile);
    this.child = child;
    // The check gives up as soon as the process is gone; its log is complete once it exited.
    const exited = (): boolean => child.proc.exitCode !== null;
    const healthy = await waitForHealth(`${this.opsUrl}/health`, HEALTHY_WITHIN_MS, () => {
      if (exited()) {
        throw new Error('exited');
      }
    }).catch(() => false);
    if (!healthy && exited()) {
      const code = await child.exited;
      throw new Error(`the gateway exited with ${code}; gateway.log ends:\n${this.logTail()}`);
    }
    if (!healthy) {
      throw new Error(
        `the gateway did not become healthy within ${HEALTHY_WITHIN_MS / 1000} s; gateway.log ends:\n${this.logTail()}`,
      );
    }
  }

  /** The log's last lines (one process's boot fits), or why they could not be read. */
  private logTail(lines = 15): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch (err) {
      return `(not readable: ${(err as Error).message})`;
    }
  }

  /** Whether the last process was SIGKILLed (and not started again since). */
  get killed(): boolean {
    return this.child?.proc.signalCode === 'SIGKILL';
  }

  /** SIGKILL: no drain, no DISCONNECT; its sessions keep what it had not acknowledged. */
  async kill(): Promise<void> {
    const child = this.child;
    if (child && child.proc.exitCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
  }

  async stop(graceMs?: number): Promise<number | null | undefined> {
    return this.child?.stop(graceMs);
  }
}

/**
 * The gateway-kill scenario's fault: SIGKILL the gateway under load, and at the fault's end start
 * it again with the same GATEWAY_ID. With acknowledgement after durable (ADR 0015) the broker
 * redelivers what the killed process held and what was queued for its sessions meanwhile.
 */
export class GatewayKillFault implements FaultInjector {
  readonly description = 'SIGKILL the gateway, then start it again with the same GATEWAY_ID';

  constructor(private readonly gateway: ChaosGateway) {}

  verify(): Promise<void> {
    return Promise.resolve();
  }

  inject(): Promise<void> {
    return this.gateway.kill();
  }

  async lift(): Promise<void> {
    if (this.gateway.killed) {
      await this.gateway.start();
    }
  }
}
