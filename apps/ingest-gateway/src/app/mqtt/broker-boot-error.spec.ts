import { brokerBootError } from './telemetry-consumers';

const URL = 'mqtts://broker.local:8883';
const timedOut = (last: string): Error =>
  new Error(
    `MQTT broker at ${URL}: no connection and subscription within 5 s (last error: ${last})`,
  );

describe('brokerBootError', () => {
  it.each([
    'SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate',
    "ERR_TLS_CERT_ALTNAME_INVALID: Hostname/IP does not match certificate's altnames",
  ])('names the CA file and keeps the TLS cause of %s', (cause) => {
    const msg = brokerBootError(URL, timedOut(cause)).message;
    expect(msg).toMatch(
      /^MQTT broker at mqtts:\/\/broker\.local:8883 unreachable: its TLS certificate was not accepted/,
    );
    expect(msg).toContain(cause);
    expect(msg).toContain('check MQTT_TLS_CA_FILE');
  });

  it('keeps any other cause, naming MQTT_URL', () => {
    const msg = brokerBootError(
      URL,
      timedOut('ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:8883'),
    ).message;
    expect(msg).toContain('unreachable (MQTT broker at');
    expect(msg).toContain('ECONNREFUSED 127.0.0.1:8883');
    expect(msg).toContain('check MQTT_URL');
    expect(msg).not.toContain('TLS certificate');
  });

  it('names the credentials when the broker refused them', () => {
    const err = Object.assign(new Error('connection refused: not authorized'), {
      reasonCode: 0x87,
    });
    expect(brokerBootError(URL, err).message).toContain("refused the gateway's credentials");
  });
});
