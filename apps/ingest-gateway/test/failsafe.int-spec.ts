import { writeFileSync, readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { Queue } from 'bullmq';
import { type DlqEntry, INGEST_KEYS, QUEUE_NAMES } from '@sousvide/loadtest-contracts';
import { MAX_PACKET_BYTES } from '@sousvide/telemetry-schema';
import { pollUntil, waitFor } from '@sousvide/testing';
import { auditRecords, auditVerify, hotReading, watchControl } from './control-watch';
import { metric, startGateway } from './gateway-process';
import { hangingStore, useIngestStack } from './ingest-stack';

/**
 * ADR 0016 end to end: the fail-safe acts at intake, whatever storage and Redis do, every
 * decision lands in a verifiable audit chain, and a device can only speak for itself.
 */
describe('fail-safe first, and bounded device input', () => {
  const stack = useIngestStack();
  let dlq: Queue;
  let pub: MqttClient;
  beforeAll(async () => {
    dlq = new Queue(QUEUE_NAMES.dlq, { connection: { url: stack.redis.url } });
    dlq.on('error', () => undefined); // the suite's Redis stops before the queue is closed
    pub = await mqtt.connectAsync(stack.broker.url, { clientId: `fs-pub-${Date.now()}` });
  });
  afterAll(async () => {
    await pub?.endAsync();
    await dlq?.close();
  });
  const send = (deviceId: string, body: object, topic = `sousvide/${deviceId}/telemetry`) =>
    pub.publishAsync(topic, JSON.stringify(body), { qos: 1 });
  const dlqEntry = async (match: (e: DlqEntry) => boolean): Promise<DlqEntry | undefined> =>
    pollUntil(
      async () =>
        (await dlq.getJobs(['waiting'], 0, -1)).map((j) => j.data as DlqEntry).find(match),
      (e) => e !== undefined,
    );

  it('turns heaters off while the store is down, for shed readings, and with Redis stalled (cooldown kept locally, then reconciled)', async () => {
    // The store is down as a store that accepts and never answers: the first batch's write waits
    // for the whole test (no timeout, no retry ends it before the stop below), so its slot never
    // frees and no later reading can reach the store, however slowly the rest arrive.
    const store = await hangingStore();
    const gw = await startGateway({
      ...stack.baseEnv,
      GATEWAY_ID: 'gw-fs',
      INFLUX_URL: store.url,
      INFLUX_TIMEOUT_MS: '600000',
      INFLUX_RETRY_BUDGET_MS: '600000',
      INGEST_SHUTDOWN_DEADLINE_MS: '5000',
      INGEST_MAX_BUFFERED: '100',
      INGEST_BATCH_MAX: '50',
      INGEST_BATCH_CONCURRENCY: '1',
      // One connection: the gateway receives the readings in the order they were sent.
      INGEST_MQTT_CONNECTIONS: '1',
    });
    stack.gateways.push(gw);
    const control = await watchControl(stack.broker.url);
    try {
      // Store down: one reading, sent alone, is the first batch; once its write reached the store
      // that batch holds the only slot until the stop, so each later reading waits in the buffer
      // and, beyond 100, is shed oldest first: the hot reading, the 61st, with them. Its command
      // does not wait for any of that. Sent all at once, a loaded host read 117 to 146 of them
      // before the first batch started: the oldest beyond 100 were shed, and the first batch,
      // to the hanging store, took the next 50 with the hot reading (not shed, no DLQ entry).
      await send('sv-fs-1', { ...hotReading('sv-fs-1', 0), tempC: 55 });
      await waitFor('the first batch to reach the store', () => store.writes() >= 1);
      const hotSeq = 1000;
      await Promise.all(
        Array.from({ length: 299 }, (_, i) => i + 1).map((seq) =>
          send(
            'sv-fs-1',
            seq === 60
              ? hotReading('sv-fs-1', hotSeq)
              : { ...hotReading('sv-fs-1', seq), tempC: 55 },
          ),
        ),
      );
      await waitFor('the command for sv-fs-1', () => control.of('sv-fs-1').length === 1);
      expect(control.of('sv-fs-1')[0]?.reading.seq).toBe(hotSeq);
      const shed = await dlqEntry((e) => e.key.startsWith(`sv-fs-1:${hotSeq}:`));
      expect(shed?.error.code).toBe('SHED_BUFFER_FULL');
      expect(store.writes()).toBe(1);

      // Redis stalled: the gate's answer does not come, the cooldown is kept locally.
      await stack.redis.pause();
      try {
        await send('sv-fs-2', hotReading('sv-fs-2', 1));
        await waitFor(
          'the command for sv-fs-2 with Redis stalled',
          () => control.of('sv-fs-2').length === 1,
        );
        await send('sv-fs-2', hotReading('sv-fs-2', 2));
        await waitFor(
          'the second sv-fs-2 reading to be judged',
          async () =>
            (await metric(gw.opsUrl, 'ingest_failsafe_decisions_total{decision="suppressed"}')) >=
            1,
        );
      } finally {
        await stack.redis.unpause();
      }
      // Reconciled: the local claim reaches Redis, where other instances see it.
      const marker = await pollUntil(
        () => stack.client.get(INGEST_KEYS.failsafe('sv-fs-2')),
        (v) => v !== null,
      );
      expect(marker).toMatch(/^gw-fs:/);
    } finally {
      expect(await gw.stop('SIGTERM')).toBe(0);
      await control.stop();
      await store.close();
    }
    expect(control.of('sv-fs-2')).toHaveLength(1);
    const records = auditRecords(gw.auditLog).filter((r) => r.deviceId === 'sv-fs-2');
    expect(records.map((r) => [r.decision, r.gate, r.reading.seq]).sort()).toEqual([
      ['sent', 'local', 1],
      ['suppressed', 'local', 2],
    ]);
    expect(gw.output()).toContain('fail-safe cooldowns reconciled with Redis');
    expect((await auditVerify(gw.auditLog)).code).toBe(0);
  });

  it('refuses a reading for another device than its topic: no command to the victim, a DEVICE_MISMATCH entry in the DLQ', async () => {
    const gw = await startGateway({
      ...stack.baseEnv,
      GATEWAY_ID: 'gw-victim',
      INGEST_MQTT_CONNECTIONS: '1',
    });
    stack.gateways.push(gw);
    const control = await watchControl(stack.broker.url);
    try {
      await send('attacker-1', hotReading('victim-9', 66), 'sousvide/attacker-1/telemetry');
      const refused = await dlqEntry((e) => e.topic === 'sousvide/attacker-1/telemetry');
      expect(refused).toMatchObject({ kind: 'parse', error: { code: 'DEVICE_MISMATCH' } });
      // The DLQ's depth is on the gateway's /metrics, read from Redis at scrape time.
      const depth = await dlq.getJobCountByTypes('waiting');
      expect(depth).toBeGreaterThanOrEqual(1);
      expect(
        await pollUntil(
          () => metric(gw.opsUrl, 'ingest_dlq_depth{state="waiting"}'),
          (n) => n === depth,
        ),
      ).toBe(depth);
      // The victim's own hot reading after it: had the attack acted, this one would be suppressed.
      await send('victim-9', hotReading('victim-9', 67));
      await waitFor('the victim command', () => control.of('victim-9').length === 1);
      expect(control.of('victim-9')[0]?.reading.seq).toBe(67);
    } finally {
      expect(await gw.stop('SIGTERM')).toBe(0);
      await control.stop();
    }
    expect(auditRecords(gw.auditLog).map((r) => r.reading.seq)).toEqual([67]);
  });

  it('refuses ts outside the window and payloads over 4 KiB, each with its code, and the heartbeat stays put', async () => {
    const gw = await startGateway({
      ...stack.baseEnv,
      GATEWAY_ID: 'gw-bounds',
      INGEST_TS_MAX_AHEAD_SEC: '60',
    });
    stack.gateways.push(gw);
    const future = { ...hotReading('sv-future', 1), tempC: 55, ts: Date.now() + 3600_000 };
    await send('sv-future', future);
    expect((await dlqEntry((e) => e.topic === 'sousvide/sv-future/telemetry'))?.error.code).toBe(
      'TS_OUT_OF_WINDOW',
    );
    expect(await stack.client.zscore(INGEST_KEYS.heartbeat, 'sv-future')).toBeNull();
    const big = { ...hotReading('sv-big', 1), tempC: 55, pad: 'x'.repeat(4200) };
    await send('sv-big', big);
    const refused = await dlqEntry((e) => e.topic === 'sousvide/sv-big/telemetry');
    expect(refused?.error).toMatchObject({
      code: 'TOO_LARGE',
      message: expect.stringContaining('the cap is 4096'),
    });
  });

  it('dead-letters a packet at the broker limit, and one forwarding grew, as TOO_LARGE', async () => {
    const gw = await startGateway({ ...stack.baseEnv, GATEWAY_ID: 'gw-limit' });
    stack.gateways.push(gw);
    // A QoS 1 PUBLISH of `bytes` from an MQTT 3.1.1 device: fixed header 1 + remaining length 2
    // + topic 2 + n + packet id 2 + payload.
    const publishOfSize = async (deviceId: string, bytes: number): Promise<string> => {
      const topic = `sousvide/${deviceId}/telemetry`;
      const head = JSON.stringify({ ...hotReading(deviceId, 1), tempC: 55, pad: '' });
      const payloadBytes = bytes - (1 + 2 + 2 + topic.length + 2);
      const body = head.replace('"pad":""', `"pad":"${'x'.repeat(payloadBytes - head.length)}"`);
      await pub.publishAsync(topic, body, { qos: 1 });
      return topic;
    };
    // The largest packet the stack's broker takes (max_packet_size); forwarded to the gateway's
    // MQTT 5 session it gains a property length.
    const atLimit = await publishOfSize('sv-limit', MAX_PACKET_BYTES);
    // This suite's broker has no cap: it stands for a packet at the limit that forwarding grew
    // (properties such as a subscription identifier). Without room for it the broker acks the
    // device and drops the message.
    const grown = await publishOfSize('sv-grown', MAX_PACKET_BYTES + 64);
    for (const topic of [atLimit, grown]) {
      const refused = await dlqEntry((e) => e.topic === topic);
      expect(refused?.error).toMatchObject({ code: 'TOO_LARGE' });
    }
  });

  it('audit verify names a changed record in the gateway own log', async () => {
    const gw = await startGateway({ ...stack.baseEnv, GATEWAY_ID: 'gw-audit' });
    stack.gateways.push(gw);
    for (let seq = 0; seq < 3; seq += 1) {
      await send('sv-audit', hotReading('sv-audit', seq));
    }
    await waitFor('three decisions', () => {
      try {
        return auditRecords(gw.auditLog).length === 3;
      } catch {
        return false;
      }
    });
    expect(await gw.stop('SIGTERM')).toBe(0);
    expect(await auditVerify(gw.auditLog)).toMatchObject({
      code: 0,
      out: expect.stringContaining('intact, 3 records'),
    });
    const text = readFileSync(gw.auditLog, 'utf8').split('\n');
    text[1] = (text[1] ?? '').replace('"deviceId":"sv-audit"', '"deviceId":"sv-other"');
    writeFileSync(gw.auditLog, text.join('\n'));
    expect(await auditVerify(gw.auditLog)).toMatchObject({
      code: 1,
      out: expect.stringContaining('BROKEN at line 2'),
    });
  });
});
