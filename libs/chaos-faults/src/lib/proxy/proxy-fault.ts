import type { FaultInjector } from '../fault-injector';
import { FaultTargetError } from '../fault-target.error';
import { describeProxyMode, PASS_THROUGH, validateProxyMode, type ProxyMode } from './proxy-mode';
import type { TcpFaultProxy } from './tcp-fault-proxy';

/** A proxy mode as a fault: inject switches the proxy to `mode`, lift back to pass-through. */
export class ProxyFault implements FaultInjector {
  constructor(
    private readonly proxy: TcpFaultProxy,
    private readonly mode: ProxyMode,
  ) {
    validateProxyMode(mode);
  }

  /** E.g. `latency +500 ms (both) on proxy 127.0.0.1:40123 -> 127.0.0.1:8428`. */
  get description(): string {
    return `${describeProxyMode(this.mode)} on proxy ${this.proxy.route}`;
  }

  /** Throws {@link FaultTargetError} when the proxy is not listening. */
  verify(): Promise<void> {
    if (!this.proxy.listening) {
      return Promise.reject(
        new FaultTargetError(
          'FAULT_TARGET_NOT_FOUND',
          `fault proxy ${this.proxy.route} is not listening; start() it first`,
        ),
      );
    }
    return Promise.resolve();
  }

  inject(): Promise<void> {
    this.proxy.setMode(this.mode);
    return Promise.resolve();
  }

  lift(): Promise<void> {
    if (this.proxy.mode.kind !== 'pass-through') {
      this.proxy.setMode(PASS_THROUGH);
    }
    return Promise.resolve();
  }
}
