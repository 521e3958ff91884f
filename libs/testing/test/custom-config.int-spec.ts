import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectAsync, IClientOptions } from 'mqtt';
import { hashMosquittoPassword, passwordFileLine } from '@sousvide/security';
// Relative import: inside its own project a lib may not import itself by its @sousvide alias.
import { MqttService, startMosquitto } from '../src';

const login = { clientId: 'harness-user', username: 'harness-user', password: 'harness-pass-1' };

async function connectCode(url: string, options: IClientOptions): Promise<number | 'ok'> {
  try {
    const client = await connectAsync(
      url,
      { reconnectPeriod: 0, connectTimeout: 5000, ...options },
      false,
    );
    await client.endAsync();
    return 'ok';
  } catch (err) {
    return (err as { code: number }).code;
  }
}

describe('startMosquitto with a configuration of the test (real container)', () => {
  let dir: string;
  let broker: MqttService | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'harness-config-'));
    const auth = join(dir, 'auth');
    const line = passwordFileLine(login.username, await hashMosquittoPassword(login.password));
    mkdirSync(auth);
    writeFileSync(join(auth, 'passwd'), `${line}\n`, { mode: 0o600 });
    writeFileSync(
      join(dir, 'mosquitto.conf'),
      [
        'allow_anonymous false',
        'password_file /etc/harness-auth/passwd',
        'listener 1883 0.0.0.0',
        'listener 1884 0.0.0.0',
        '',
      ].join('\n'),
    );
    broker = await startMosquitto({
      config: {
        file: join(dir, 'mosquitto.conf'),
        copy: [{ source: auth, target: '/etc/harness-auth' }],
        ports: [1884],
      },
    });
  });

  afterAll(async () => {
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const started = (): MqttService => {
    if (!broker) {
      throw new Error('broker did not start (see beforeAll)');
    }
    return broker;
  };

  it('runs the given configuration with the copied files, on every published port', async () => {
    const b = started();
    const second = `mqtt://${b.host}:${b.mappedPort(1884)}`;
    expect(await connectCode(b.url, { clientId: 'anonymous' })).toBe(5);
    expect(await connectCode(b.url, login)).toBe('ok');
    expect(await connectCode(second, login)).toBe('ok');
    expect(await connectCode(second, { ...login, password: 'wrong' })).toBe(5);
  });

  it('restarts an authenticated broker: a refused CONNECT counts as the broker answering', async () => {
    const b = started();
    const outage = await b.restart({ downMs: 200 });
    expect(outage.upAt).toBeGreaterThanOrEqual(outage.downAt + 200);
    expect(await connectCode(b.url, login)).toBe('ok');
  });
});
