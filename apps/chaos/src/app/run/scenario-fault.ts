import {
  ContainerFault,
  ProxyFault,
  type FaultInjector,
  type TcpFaultProxy,
} from '@sousvide/chaos-faults';
import type { ChaosOptions } from '../cli/chaos-args';
import { GatewayKillFault, type ChaosGateway } from './chaos-gateway';

/** The scenario's fault, and how the report names it (target and duration, in plain words). */
export function scenarioFault(
  o: ChaosOptions,
  influxProxy: TcpFaultProxy,
  gateway: ChaosGateway,
): { fault: FaultInjector; description: string } {
  switch (o.scenario) {
    case 'gateway-kill':
      return {
        fault: new GatewayKillFault(gateway),
        description: `SIGKILL the gateway under load, restart it with its GATEWAY_ID after ${o.faultSeconds} s`,
      };
    case 'redis-outage':
      return {
        fault: new ContainerFault({ container: o.redisContainer, kind: 'pause' }),
        description: `pause container ${o.redisContainer} for ${o.faultSeconds} s`,
      };
    case 'broker-restart':
      return {
        fault: new ContainerFault({ container: o.brokerContainer, kind: 'stop' }),
        description: `stop container ${o.brokerContainer} for ${o.faultSeconds} s, then start it`,
      };
    case 'influx-spike':
      return o.errorRate > 0
        ? {
            fault: new ProxyFault(influxProxy, {
              kind: 'http-error',
              rate: o.errorRate,
              status: 503,
              retryAfterSec: 1,
            }),
            description: `${Math.round(o.errorRate * 100)} % of Influx writes answered 503 for ${o.faultSeconds} s`,
          }
        : {
            fault: new ProxyFault(influxProxy, {
              kind: 'latency',
              ms: o.latencyMs,
              direction: 'upstream',
            }),
            description: `+${o.latencyMs} ms on Influx writes for ${o.faultSeconds} s`,
          };
  }
}
