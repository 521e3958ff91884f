import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChaosGateway } from './chaos-gateway';
import { freePort } from '@sousvide/shared-util';

describe('ChaosGateway.start', () => {
  it('names the exit code and carries the last lines of a gateway that failed to boot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-gateway-'));
    const entry = join(dir, 'fails-at-boot.js');
    // A stand-in for the gateway's boot failure: its log lines, then exit 1 without listening.
    writeFileSync(
      entry,
      [
        "for (let i = 1; i <= 30; i += 1) console.log('boot line ' + i);",
        "process.stderr.write('ingest-gateway failed to start: Redis at redis://127.0.0.1:1 did not answer within 3000 ms\\n');",
        'process.exit(1);',
      ].join('\n'),
    );
    const gateway = new ChaosGateway(
      {},
      join(dir, 'gateway.log'),
      `http://127.0.0.1:${await freePort()}`,
      entry,
    );
    const err = await gateway.start().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/^the gateway exited with 1; gateway.log ends:\n/);
    expect(err?.message).toContain('ingest-gateway failed to start: Redis at redis://127.0.0.1:1');
    expect(err?.message).toContain('boot line 30');
    // The tail, not the whole log.
    expect(err?.message).not.toContain('boot line 10\n');
  });
});
