import * as mqttPacket from 'mqtt-packet';
import { describe, expect, it } from '@jest/globals';
import {
  encodeAck,
  encodeConnect,
  encodePublish,
  encodeSubscribe,
  encodeTopic,
  PACKET,
} from './lean-codec';

const PROTOCOL = { protocolVersion: 4 };

/** Decodes with mqtt-packet, the reference the hand-written encoder must agree with. */
function decode(bytes: Buffer): mqttPacket.Packet {
  const parser = mqttPacket.parser(PROTOCOL);
  const out: mqttPacket.Packet[] = [];
  parser.on('packet', (p: mqttPacket.Packet) => out.push(p));
  parser.on('error', (err: Error) => {
    throw err;
  });
  expect(parser.parse(bytes)).toBe(0);
  expect(out).toHaveLength(1);
  return out[0];
}

describe('lean codec', () => {
  it('encodes a CONNECT with a device identity as mqtt-packet reads it', () => {
    const packet = decode(
      encodeConnect('sv-000001', 30, false, { username: 'sv-000001', password: 'pässwörd-43' }),
    ) as { clientId: string; username: string; password: Buffer; keepalive: number };
    expect(packet).toMatchObject({ clientId: 'sv-000001', username: 'sv-000001', keepalive: 30 });
    expect(packet.password.toString('utf8')).toBe('pässwörd-43');
    expect(decode(encodeConnect('sv-000001', 30, false))).not.toHaveProperty('username');
  });

  it('encodes CONNECT, SUBSCRIBE and the acks as mqtt-packet reads them', () => {
    expect(decode(encodeConnect('run-a1-p0-7', 60, false))).toMatchObject({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId: 'run-a1-p0-7',
      clean: false,
      keepalive: 60,
    });
    expect(decode(encodeSubscribe(9, 'sousvide/sv-000001/control', 1))).toMatchObject({
      cmd: 'subscribe',
      messageId: 9,
      subscriptions: [{ topic: 'sousvide/sv-000001/control', qos: 1 }],
    });
    for (const [type, cmd] of [
      [PACKET.puback, 'puback'],
      [PACKET.pubrec, 'pubrec'],
      [PACKET.pubrel, 'pubrel'],
      [PACKET.pubcomp, 'pubcomp'],
    ] as const) {
      expect(decode(encodeAck(type, 65535))).toMatchObject({ cmd, messageId: 65535 });
    }
  });

  it.each([0, 1, 2] as const)('encodes a QoS %i PUBLISH with a UTF-8 payload', (qos) => {
    const payload = `{"deviceId":"sv-000001","note":"über","pad":"${'x'.repeat(300)}"}`;
    const packet = decode(
      encodePublish(encodeTopic('sousvide/sv-000001/telemetry'), qos, 513, payload),
    );
    expect(packet).toMatchObject({
      cmd: 'publish',
      qos,
      topic: 'sousvide/sv-000001/telemetry',
      dup: false,
    });
    expect((packet as mqttPacket.IPublishPacket).payload.toString()).toBe(payload);
    if (qos > 0) {
      expect(packet.messageId).toBe(513);
    }
  });
});
