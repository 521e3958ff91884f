import { classifyError, FailureClass, PartitionSpec } from '@sousvide/loadtest-contracts';
import { controlTopic, telemetryTopic } from '@sousvide/telemetry-schema';
import { DeviceClient, DeviceClientFactory } from '../clients/device-client';
import { AgentSecurity, brokerEndpoint, deviceLogin } from '../clients/device-identity';
import type { ConnectWindow } from './connect-window';

/** What the connect phase reports to its partition, device by device. */
export interface ConnectSink {
  clientFactory: DeviceClientFactory;
  security: AgentSecurity;
  isAborted(): boolean;
  log(line: string): void;
  onConnected(k: number, client: DeviceClient, latencyMs: number): void;
  onFailed(k: number, cls: FailureClass, err: unknown): void;
  /** An established connection of device k was lost later on. */
  onDisconnect(k: number, cls: FailureClass): void;
  onControl(): void;
}

/**
 * Opens every device's connection with at most `connectParallelism` CONNECTs in flight, and no
 * more than the agent process's window lets through (shared with its other partitions), from the
 * part's source addresses when it has some, then awaits the control subscriptions (after the
 * phase, so a SUBACK never holds a connect slot).
 */
export async function connectDevices(
  spec: PartitionSpec,
  deviceIds: readonly string[],
  window: ConnectWindow,
  sink: ConnectSink,
): Promise<void> {
  const { host, port, tls } = brokerEndpoint(spec.brokerUrl, sink.security.tls);
  const { fleetSecret } = sink.security;
  const sources = spec.sourceAddresses?.length ? spec.sourceAddresses : undefined;
  let next = 0;
  const subscriptions: Promise<void>[] = [];
  const onControl = (): void => sink.onControl();
  const worker = async (): Promise<void> => {
    while (next < spec.connections && !sink.isAborted()) {
      const k = next;
      next += 1;
      await window.acquire(spec.connectParallelism);
      if (sink.isAborted()) {
        window.release(false);
        break;
      }
      const client = sink.clientFactory({
        host,
        port,
        tls,
        ...deviceLogin(
          deviceIds[k],
          `${spec.runId}-a${spec.attempt}-p${spec.part}-${k}`,
          fleetSecret,
        ),
        keepaliveSec: spec.keepaliveSec,
        connectTimeoutMs: spec.connectTimeoutMs,
        controlTopic: controlTopic(deviceIds[k]),
        telemetryTopic: telemetryTopic(deviceIds[k]),
        localAddress: sources?.[k % sources.length],
        onDisconnect: (cls) => sink.onDisconnect(k, cls),
        onControl,
      });
      const t0 = performance.now();
      // The control SUBSCRIBE rides with the CONNECT where the model can (one write, not two).
      const failed = await client.connect({ subscribeControl: true }).then(
        () => undefined,
        (err: unknown) => ({ err }),
      );
      window.release(failed === undefined);
      if (failed) {
        sink.onFailed(k, classifyError(failed.err), failed.err);
        await client.end();
        continue;
      }
      sink.onConnected(k, client, performance.now() - t0);
      subscriptions.push(
        client.subscribeControl().catch((err: unknown) => {
          sink.log(`device ${k}: control subscription failed: ${String(err)}`);
        }),
      );
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(spec.connectParallelism, spec.connections) }, worker),
  );
  await Promise.all(subscriptions);
}

/** Ends every client (and forgets them, so a second call ends nothing), a batch at a time. */
export async function endDevices(
  clients: (DeviceClient | undefined)[],
  connectParallelism: number,
): Promise<void> {
  const open = clients.filter((c): c is DeviceClient => c !== undefined);
  clients.fill(undefined);
  const batch = Math.max(50, connectParallelism * 4);
  for (let i = 0; i < open.length; i += batch) {
    await Promise.all(open.slice(i, i + batch).map((c) => c.end()));
  }
}
