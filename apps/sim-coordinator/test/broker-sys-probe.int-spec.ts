import { SecureMosquitto, startSecureMosquitto } from '@sousvide/testing';
import { brokerProbeLogin, loadCoordinatorEnv } from '../src/app/config/env.schema';
import { readBrokerStore } from '../src/app/run/broker-sys.probe';

// Two $SYS updates at most per read (sys_interval 1, as the load-test suites run the broker).
const TIMEOUT_MS = 15_000;

describe('the $SYS probe on the secure broker (real Mosquitto, provisioner identities)', () => {
  let m: SecureMosquitto;

  beforeAll(async () => {
    m = await startSecureMosquitto({ devices: 1, sysIntervalSec: 1 });
  });

  afterAll(async () => {
    await m?.stop();
  });

  const expectFigures = (store: { stored: number; retained: number }): void => {
    expect(Number.isInteger(store.stored)).toBe(true);
    expect(Number.isInteger(store.retained)).toBe(true);
    // The broker's own retained $SYS topics are part of its store.
    expect(store.retained).toBeGreaterThan(0);
    expect(store.stored).toBeGreaterThanOrEqual(store.retained);
  };

  it("reads the store figures over TLS as the monitor identity, from the coordinator's environment", async () => {
    const env = loadCoordinatorEnv({
      MQTT_URL: m.tlsUrl,
      MQTT_MONITOR_USERNAME: m.monitorUser,
      MQTT_MONITOR_PASSWORD_FILE: m.monitorPasswordFile,
      MQTT_TLS_CA_FILE: m.caFile,
    });
    expectFigures(await readBrokerStore(m.tlsUrl, TIMEOUT_MS, brokerProbeLogin(env)));
  });

  it('reads them on the plain listener with the password itself, twice alike on an idle broker', async () => {
    const login = { username: m.monitorUser, password: m.monitorPassword };
    const first = await readBrokerStore(m.plainUrl, TIMEOUT_MS, login);
    expectFigures(first);
    // Nothing queued: the store beyond the retained messages (markers counted in both) is alike.
    const second = await readBrokerStore(m.plainUrl, TIMEOUT_MS, login);
    expect(second.retained - second.stored).toBe(first.retained - first.stored);
  });

  it('without a monitor identity, the refusal names MQTT_MONITOR_USERNAME', async () => {
    await expect(readBrokerStore(m.plainUrl, TIMEOUT_MS)).rejects.toThrow(
      /refused the \$SYS probe's CONNECT \(code 5\): .*set MQTT_MONITOR_USERNAME and MQTT_MONITOR_PASSWORD\(_FILE\)/,
    );
  });

  it('with a wrong password, the refusal names the variables and never the password', async () => {
    const err = await readBrokerStore(m.plainUrl, TIMEOUT_MS, {
      username: m.monitorUser,
      password: 'not-the-monitor-password',
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /check MQTT_MONITOR_USERNAME \(sim-coordinator\) and MQTT_MONITOR_PASSWORD\(_FILE\)/,
    );
    expect(err?.message).not.toContain('not-the-monitor-password');
  });
});
