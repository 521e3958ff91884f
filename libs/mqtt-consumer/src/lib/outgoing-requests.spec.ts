import type * as mqttPacket from 'mqtt-packet';
import { emptyStats } from './consumer-stats';
import type { MqttConnection } from './mqtt-connection';
import { MqttConsumerError } from './mqtt-consumer.error';
import { OutgoingRequests } from './outgoing-requests';

/** Records what would be written to the broker. */
function fakeConnection(): { connection: MqttConnection; sent: mqttPacket.Packet[] } {
  const sent: mqttPacket.Packet[] = [];
  return {
    connection: { send: (p: mqttPacket.Packet) => sent.push(p) } as unknown as MqttConnection,
    sent,
  };
}

const publish = (topic: string) => (messageId: number) =>
  ({
    cmd: 'publish',
    topic,
    payload: Buffer.from('x'),
    qos: 1,
    messageId,
    dup: false,
    retain: false,
  }) as const;
const puback = (messageId: number, reasonCode = 0): mqttPacket.IPubackPacket => ({
  cmd: 'puback',
  messageId,
  reasonCode,
});
const lost = new MqttConsumerError('CONNECTION_LOST', 'gone');

describe('OutgoingRequests', () => {
  let requests: OutgoingRequests;

  beforeEach(() => {
    jest.useFakeTimers();
    requests = new OutgoingRequests(emptyStats());
  });

  afterEach(() => jest.useRealTimers());

  it('fails at once with NOT_CONNECTED when no connection is bound', async () => {
    await expect(requests.request(publish('a'), 1000, 'publish to a')).rejects.toMatchObject({
      code: 'NOT_CONNECTED',
      message: 'cannot publish to a: not connected to the broker',
    });
  });

  it('resolves on the PUBACK of its own packet id', async () => {
    const { connection, sent } = fakeConnection();
    requests.bind(connection, false, 65535);
    const done = requests.request(publish('a'), 1000, 'publish to a');
    expect(sent).toHaveLength(1);
    requests.onAck(puback((sent[0] as mqttPacket.IPublishPacket).messageId ?? 0));
    await expect(done).resolves.toMatchObject({ cmd: 'puback' });
  });

  it('rejects a PUBACK with a failure reason code, naming it', async () => {
    const { connection, sent } = fakeConnection();
    requests.bind(connection, false, 65535);
    const done = requests.request(publish('a'), 1000, 'publish to a');
    requests.onAck(puback((sent[0] as mqttPacket.IPublishPacket).messageId ?? 0, 0x87));
    await expect(done).rejects.toMatchObject({
      code: 'PUBLISH_REJECTED',
      reasonCode: 0x87,
      message: expect.stringContaining('not authorized (0x87)'),
    });
  });

  it('keeps a timed-out publish id taken until its late PUBACK, so the PUBACK cannot settle a newer publish', async () => {
    const { connection, sent } = fakeConnection();
    requests.bind(connection, false, 65535);
    const first = requests.request(publish('a'), 1000, 'publish to a');
    jest.advanceTimersByTime(1000);
    await expect(first).rejects.toMatchObject({ code: 'TIMEOUT' });
    const second = requests.request(publish('b'), 1000, 'publish to b');
    const [id1, id2] = sent.map((p) => (p as mqttPacket.IPublishPacket).messageId);
    expect(id2).not.toBe(id1);
    requests.onAck(puback(id1 ?? 0));
    requests.onAck(puback(id2 ?? 0));
    await expect(second).resolves.toMatchObject({ messageId: id2 });
  });

  it("holds publishes beyond the broker's Receive Maximum until a PUBACK frees a slot", async () => {
    const { connection, sent } = fakeConnection();
    requests.bind(connection, false, 2);
    const all = ['a', 'b', 'c'].map((t) => requests.request(publish(t), 5000, `publish to ${t}`));
    expect(sent.map((p) => (p as mqttPacket.IPublishPacket).topic)).toEqual(['a', 'b']);
    requests.onAck(puback((sent[0] as mqttPacket.IPublishPacket).messageId ?? 0));
    expect(sent.map((p) => (p as mqttPacket.IPublishPacket).topic)).toEqual(['a', 'b', 'c']);
    requests.onAck(puback((sent[1] as mqttPacket.IPublishPacket).messageId ?? 0));
    requests.onAck(puback((sent[2] as mqttPacket.IPublishPacket).messageId ?? 0));
    await expect(Promise.all(all)).resolves.toHaveLength(3);
  });

  it('resends a publish in flight at a loss after the next CONNACK: DUP with the session, fresh without', async () => {
    const first = fakeConnection();
    requests.bind(first.connection, false, 65535);
    const done = requests.request(publish('a'), 5000, 'publish to a');
    requests.unbind(lost);
    const resumed = fakeConnection();
    requests.bind(resumed.connection, true, 65535);
    expect(resumed.sent).toMatchObject([{ cmd: 'publish', topic: 'a', dup: true }]);
    requests.unbind(lost);
    const fresh = fakeConnection();
    requests.bind(fresh.connection, false, 65535);
    expect(fresh.sent).toMatchObject([{ cmd: 'publish', topic: 'a' }]);
    requests.onAck(puback((fresh.sent[0] as mqttPacket.IPublishPacket).messageId ?? 0));
    await expect(done).resolves.toBeDefined();
  });

  it('fails a subscribe in flight at a loss, and everything on failAll', async () => {
    const { connection } = fakeConnection();
    requests.bind(connection, false, 65535);
    const sub = requests.request(
      (messageId) => ({ cmd: 'subscribe', messageId, subscriptions: [{ topic: 't', qos: 1 }] }),
      5000,
      'subscribe to t',
    );
    const pub = requests.request(publish('a'), 5000, 'publish to a');
    requests.unbind(lost);
    await expect(sub).rejects.toBe(lost);
    requests.failAll(new MqttConsumerError('CLOSED', 'consumer closed'));
    await expect(pub).rejects.toMatchObject({ code: 'CLOSED' });
  });
});
