import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@sousvide/testing';
import { metric, startGateway } from './gateway-process';
import { expectEachStoredOnce, loadArgs, runLoad, useIngestStack } from './ingest-stack';

/**
 * Two gateways on the shared subscription, one SIGKILLed and never restarted. Mosquitto 2.0.11
 * keeps routing the dead member's share to its sessions and would drop it all at their expiry
 * (ADR 0013); the survivor adopts those sessions and drains them (ADR 0015).
 */
describe('ingest gateway: a dead gateway’s sessions adopted by a survivor', () => {
  const stack = useIngestStack();

  it('loses nothing when one of two gateways is SIGKILLed and never comes back', async () => {
    const env = (id: string) => ({
      ...stack.baseEnv,
      GATEWAY_ID: id,
      INGEST_ADOPT_SESSIONS: 'on',
      SPOOL_DIR: mkdtempSync(join(tmpdir(), 'gw-spool-')),
    });
    const dead = await startGateway(env('gw-adopt-dead'));
    const survivor = await startGateway(env('gw-adopt-survivor'));
    stack.gateways.push(survivor);
    const runId = `gw-adopt-${Date.now()}`;
    const load = runLoad(
      loadArgs({ connections: 200, partitions: 1, parallelism: 100, mps: 10, duration: 5, runId }),
      { ...stack.baseEnv, ARTIFACTS_DIR: mkdtempSync(join(tmpdir(), 'gw-runs-')) },
    );
    await waitFor(
      'the doomed gateway to take part of the load',
      async () => (await metric(dead.opsUrl, 'ingest_recv_total')) >= 1000,
      { timeoutMs: 90_000 },
    );
    await dead.stop('SIGKILL');
    const killedAt = Date.now();
    expect((await load).code).toBe(0);

    await expectEachStoredOnce(stack, runId, 10_000, 200);
    // The adopter ends the sessions once they were quiet for a second, after the last ack.
    const adoptedLine = () =>
      survivor
        .output()
        .split('\n')
        .find((l) => l.includes('adopted the sessions of a dead gateway'));
    await waitFor('the adoption to end', () => adoptedLine() !== undefined);
    const adopted = adoptedLine();
    expect(adopted).toContain('"gatewayId":"gw-adopt-dead"');
    // The measured bound: from the kill to the end of the adoption (a figure, not a gate).
    const { time, drained } = JSON.parse(adopted ?? '{}') as { time: number; drained: number };
    console.log(JSON.stringify({ adoptionDoneAfterMs: time - killedAt, drained }));
  });
});
