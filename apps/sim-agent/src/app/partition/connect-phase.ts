import { classifyError, FailureClass, PartitionSpec } from '@sousvide/loadtest-contracts';
import { controlTopic, telemetryTopic } from '@sousvide/telemetry-schema';
import { DeviceClient, DeviceClientFactory } from '../clients/device-client';
import { AgentSecurity, brokerEndpoint, deviceLogin } from '../clients/device-identity';

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
 * Opens every device's connection with at most `connectParallelism` CONNECTs in flight, from the
 * part's source addresses when it has some, then awaits the control subscriptions (after the
 * phase, so a SUBACK never holds a connect slot).
 */
export async function connectDevices(
  spec: PartitionSpec,
  deviceIds: readonly string[],
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
      try {
        // The control SUBSCRIBE rides with the CONNECT where the model can (one write, not two).
        await client.connect({ subscribeControl: true });
        sink.onConnected(k, client, performance.now() - t0);
        subscriptions.push(
          client.subscribeControl().catch((err: unknown) => {
            sink.log(`device ${k}: control subscription failed: ${String(err)}`);
          }),
        );
      } catch (err) {
        sink.onFailed(k, classifyError(err), err);
        await client.end();
      }
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
