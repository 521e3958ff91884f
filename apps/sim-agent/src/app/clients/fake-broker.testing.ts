import * as net from 'node:net';
import * as mqttPacket from 'mqtt-packet';

const PROTOCOL = { protocolVersion: 4 };

/** A broker stand-in: records every packet and answers per `behaviour`. */
export interface FakeBroker {
  port: number;
  received: mqttPacket.Packet[];
  sockets: net.Socket[];
  send(packet: mqttPacket.Packet): void;
  close(): Promise<void>;
}

export interface Behaviour {
  connackRc?: number;
  /** Never answer anything (not even CONNECT). */
  silent?: boolean;
  /** Hold PUBACK / PUBREC / PUBCOMP back; the test sends them. */
  holdAcks?: boolean;
  answerPing?: boolean;
  /** CONNACK says the broker kept the session (default: it did not). */
  sessionPresent?: boolean;
  /**
   * Hold the CONNACK until the client has sent a SUBSCRIBE (then CONNACK, then SUBACK): only a
   * client that subscribes without waiting for the CONNACK gets connected.
   */
  connackAfterSubscribe?: boolean;
}

export async function startFakeBroker(behaviour: Behaviour = {}): Promise<FakeBroker> {
  const received: mqttPacket.Packet[] = [];
  const sockets: net.Socket[] = [];
  const reply = (socket: net.Socket, packet: mqttPacket.Packet): void => {
    socket.write(mqttPacket.generate(packet, PROTOCOL));
  };
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    const parser = mqttPacket.parser(PROTOCOL);
    socket.on('data', (chunk: Buffer) => parser.parse(chunk));
    const connack = (): void => {
      const returnCode = behaviour.connackRc ?? 0;
      const sessionPresent = behaviour.sessionPresent ?? false;
      reply(socket, { cmd: 'connack', returnCode, sessionPresent });
    };
    parser.on('packet', (packet: mqttPacket.Packet) => {
      received.push(packet);
      if (behaviour.silent) {
        return;
      }
      const messageId = packet.messageId;
      if (packet.cmd === 'connect') {
        if (!behaviour.connackAfterSubscribe) {
          connack();
        }
      } else if (packet.cmd === 'subscribe' && behaviour.connackAfterSubscribe) {
        connack();
        reply(socket, { cmd: 'suback', messageId, granted: [1] });
      } else if (packet.cmd === 'publish' && packet.qos === 1 && !behaviour.holdAcks) {
        reply(socket, { cmd: 'puback', messageId });
      } else if (packet.cmd === 'publish' && packet.qos === 2 && !behaviour.holdAcks) {
        reply(socket, { cmd: 'pubrec', messageId });
      } else if (packet.cmd === 'pubrec') {
        reply(socket, { cmd: 'pubrel', messageId });
      } else if (packet.cmd === 'pubrel' && !behaviour.holdAcks) {
        reply(socket, { cmd: 'pubcomp', messageId });
      } else if (packet.cmd === 'subscribe') {
        reply(socket, { cmd: 'suback', messageId, granted: [1] });
      } else if (packet.cmd === 'pingreq' && behaviour.answerPing !== false) {
        reply(socket, { cmd: 'pingresp' });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const broker: FakeBroker = {
    port: (server.address() as net.AddressInfo).port,
    received,
    sockets,
    send: (packet) => {
      const socket = sockets.at(-1);
      if (socket === undefined) {
        throw new Error('no client connected');
      }
      reply(socket, packet);
    },
    close: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy());
        server.close(() => resolve());
      }),
  };
  return broker;
}
