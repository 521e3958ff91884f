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
  ) {}

  /** Starts it and waits until /health answers, or throws naming the log. */
  async start(): Promise<void> {
    const child = startChild(appEntry('ingest-gateway'), [], this.env, this.logFile);
    this.child = child;
    const healthy = await waitForHealth(`${this.opsUrl}/health`, HEALTHY_WITHIN_MS, () => {
      if (child.proc.exitCode !== null) {
        throw new Error(`the gateway exited with ${child.proc.exitCode}; see gateway.log`);
      }
    });
    if (!healthy) {
      throw new Error(`the gateway did not become healthy within 30 s; see gateway.log`);
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
