import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { startContainer } from './service';

const PORTS_TIMEOUT =
  'Timed out after 10000ms while waiting for container ports to be bound to the host';

/** A container definition whose start() fails with the given messages, then succeeds. */
function failingThen(messages: string[]) {
  const started = { id: 'started' } as unknown as StartedTestContainer;
  const labels: string[] = [];
  let starts = 0;
  const definition = {
    withLabels(l: Record<string, string>) {
      labels.push(Object.values(l)[0]);
      return definition;
    },
    withStartupTimeout: () => definition,
    start: async () => {
      const message = messages[starts++];
      if (message !== undefined) throw new Error(message);
      return started;
    },
  };
  return {
    configure: () => definition as unknown as GenericContainer,
    labels,
    started,
    starts: () => starts,
  };
}

describe('startContainer', () => {
  beforeEach(() => jest.spyOn(console, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('starts once more after the ports timeout, removing what the first attempt left', async () => {
    const c = failingThen([PORTS_TIMEOUT]);
    const removed: string[] = [];
    const container = await startContainer('img', c.configure, async (a) => void removed.push(a));
    expect(container).toBe(c.started);
    expect(c.starts()).toBe(2);
    expect(removed).toEqual([c.labels[0]]);
    expect(c.labels[1]).not.toBe(c.labels[0]);
  });

  it('gives up when the ports time out twice', async () => {
    const c = failingThen([PORTS_TIMEOUT, PORTS_TIMEOUT]);
    await expect(startContainer('img', c.configure, async () => undefined)).rejects.toThrow(
      'waiting for container ports to be bound',
    );
    expect(c.starts()).toBe(2);
  });

  it('does not retry any other failure', async () => {
    const c = failingThen(['no such image']);
    const removed: string[] = [];
    await expect(
      startContainer('img', c.configure, async (a) => void removed.push(a)),
    ).rejects.toThrow('no such image');
    expect(c.starts()).toBe(1);
    expect(removed).toEqual([]);
  });
});
