import * as mqttPacket from 'mqtt-packet';
import { describe, expect, it } from '@jest/globals';
import {
  encodeAck,
  encodeConnect,
  encodePublish,
  encodeSubscribe,
  encodeTopic,
  FrameReader,
  FrameSink,
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

class Frames implements FrameSink {
  readonly seen: { type: number; flags: number; body: string }[] = [];
  onFrame(type: number, flags: number, buf: Buffer, start: number, end: number): void {
    this.seen.push({ type, flags, body: buf.toString('hex', start, end) });
  }
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

  it('frames packets split across reads and several in one read, from a reused buffer', () => {
    const stream = Buffer.concat([
      mqttPacket.generate({ cmd: 'connack', returnCode: 0, sessionPresent: true }, PROTOCOL),
      mqttPacket.generate({ cmd: 'puback', messageId: 258 }, PROTOCOL),
      mqttPacket.generate(
        {
          cmd: 'publish',
          topic: 't',
          payload: Buffer.alloc(200, 1),
          qos: 1,
          messageId: 3,
          dup: false,
          retain: false,
        },
        PROTOCOL,
      ),
    ]);
    const reader = new FrameReader();
    const frames = new Frames();
    const shared = Buffer.alloc(64);
    // Three bytes at a time through one buffer that each read overwrites, as onread does.
    for (let off = 0; off < stream.length; off += 3) {
      const n = stream.copy(shared, 0, off, off + 3);
      expect(reader.feed(shared, n, frames)).toBeUndefined();
      shared.fill(0xee);
    }
    expect(frames.seen.map((f) => f.type)).toEqual([PACKET.connack, PACKET.puback, PACKET.publish]);
    expect(frames.seen[0].body).toBe('0100');
    expect(frames.seen[1].body).toBe('0102');
    expect(frames.seen[2].flags).toBe(0x02);
    expect(frames.seen[2].body).toBe(`000174${'0003'}${'01'.repeat(200)}`);
  });

  it('reports a remaining length longer than four bytes as malformed', () => {
    const reader = new FrameReader();
    const bad = Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect(reader.feed(bad, bad.length, new Frames())).toBe('remaining length longer than 4 bytes');
  });
});
