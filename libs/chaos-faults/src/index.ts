// Public API of @sousvide/chaos-faults: fault injectors for the chaos suite.
export type { FaultInjector } from './lib/fault-injector';
export { FaultTargetError } from './lib/fault-target.error';
export type { FaultTargetErrorCode } from './lib/fault-target.error';
export { FaultLiftError } from './lib/fault-lift.error';
export { DockerCli } from './lib/docker/docker-cli';
export type { ContainerState, DockerCliOptions } from './lib/docker/docker-cli';
export { DockerCommandError } from './lib/docker/docker-command.error';
export { ContainerFault } from './lib/docker/container-fault';
export type { ContainerFaultKind, ContainerFaultOptions } from './lib/docker/container-fault';
export { TcpFaultProxy } from './lib/proxy/tcp-fault-proxy';
export type { ProxyCounters, TcpFaultProxyOptions } from './lib/proxy/tcp-fault-proxy';
export {
  describeProxyMode,
  MAX_LATENCY_MS,
  PASS_THROUGH,
  validateProxyMode,
} from './lib/proxy/proxy-mode';
export type { LatencyDirection, ProxyMode, ProxyModeKind } from './lib/proxy/proxy-mode';
export { ProxyFault } from './lib/proxy/proxy-fault';
export { FaultGuard, withFaultLifted } from './lib/guard/fault-guard';
export type { FaultGuardOptions, GuardedSignal, SignalSource } from './lib/guard/fault-guard';
