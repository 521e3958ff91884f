import { classify, CROSSCHECK_EXIT } from './crosscheck';
import { fixture } from './fixture-runs';

describe('crosscheck classification (the runbook rules) on recorded runs', () => {
  it('both models passed: no bottleneck, exit 0', () => {
    const r = classify(fixture('passed', 'mqttjs'), fixture('passed', 'lean'));
    expect(r.class).toBe('no_bottleneck');
    expect(CROSSCHECK_EXIT[r.class]).toBe(0);
  });

  it('one model failed where the other passed: client-model bottleneck naming it', () => {
    const r = classify(fixture('brokerRestart', 'mqttjs'), fixture('passed', 'lean'));
    expect(r.class).toBe('client_model_bottleneck');
    expect(r.failingModel).toBe('mqttjs');
    expect(r.models[0].failures).toEqual({
      'disconnect.broker_disconnect': 1000,
      'publish.not_connected': 8250,
      'publish.publish_timeout': 16,
    });
    expect(CROSSCHECK_EXIT[r.class]).toBe(1);
  });

  it("a saturated generator where the other model passed is that model's limit", () => {
    const r = classify(fixture('passed', 'mqttjs'), fixture('gatewayKill', 'lean'));
    expect(r.class).toBe('client_model_bottleneck');
    expect(r.failingModel).toBe('lean');
    expect(r.models[1].outcome).toBe('generator_saturated');
  });

  it('both failed alike with healthy generators: backend bottleneck, exit 3', () => {
    const r = classify(fixture('redisOutage', 'mqttjs'), fixture('redisOutage', 'lean'));
    expect(r.class).toBe('backend_bottleneck');
    expect(r.explanation).toContain('ingestion success rate');
    expect(r.models.map((m) => m.sloMissed)).toEqual([
      ['ingestion success rate', 'Redis heartbeat failure rate'],
      ['ingestion success rate', 'Redis heartbeat failure rate'],
    ]);
    expect(CROSSCHECK_EXIT[r.class]).toBe(3);
  });

  it('a CPU-bound connect phase bounds the connect rate only: the backend verdict stands', () => {
    const connectBound = (model: string) => {
      const r = fixture('redisOutage', model);
      return { ...r, generator: { ...r.generator, saturated: false, connectSaturated: true } };
    };
    const r = classify(connectBound('mqttjs'), connectBound('lean'));
    expect(r.class).toBe('backend_bottleneck');
    expect(r.models.map((m) => m.outcome)).toEqual(['backend_failed', 'backend_failed']);
  });

  it('a saturated generator and no pass: no verdict on the backend', () => {
    const r = classify(fixture('gatewayKill', 'mqttjs'), fixture('brokerRestart', 'lean'));
    expect(r.class).toBe('generator_saturated');
  });

  it('both failed, differently: inconclusive', () => {
    const backend = classify(fixture('redisOutage', 'mqttjs'), fixture('influxSpike', 'lean'));
    expect(backend.class).toBe('inconclusive');
    const mixed = classify(fixture('redisOutage', 'mqttjs'), fixture('brokerRestart', 'lean'));
    expect(mixed.class).toBe('inconclusive');
    expect(mixed.explanation).toContain(
      'lean: generator_failed, publish_timeout, not_connected, broker_disconnect',
    );
  });
});
