import { startMosquitto, type MosquittoOptions, type MqttService } from '@sousvide/testing';
import { probe, type Probe, type ProbeOptions } from './probe';

/** One throwaway broker per spec file, and consumers that are closed after each test. */
export interface BrokerSuite {
  readonly broker: MqttService;
  /** A consumer on this suite's broker, closed after the test. */
  probe(options: Omit<ProbeOptions, 'url'>): Probe;
}

/** Registers the suite's beforeAll/afterEach/afterAll hooks; call it inside `describe`. */
export function brokerSuite(options: MosquittoOptions = {}): BrokerSuite {
  let started: MqttService | undefined;
  const open: Probe[] = [];
  beforeAll(async () => {
    started = await startMosquitto(options);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.consumer.close()));
  });
  afterAll(async () => {
    await started?.stop();
  });
  const suite: BrokerSuite = {
    get broker(): MqttService {
      if (started === undefined) {
        throw new Error('the broker is started in beforeAll');
      }
      return started;
    },
    probe: (o) => {
      const p = probe({ url: suite.broker.url, ...o });
      open.push(p);
      return p;
    },
  };
  return suite;
}
