import { EventEmitter } from 'node:events';
import type { FaultInjector } from '../fault-injector';
import { FaultLiftError } from '../fault-lift.error';
import { FaultGuard, withFaultLifted } from './fault-guard';

class RecordingFault implements FaultInjector {
  injected = false;
  lifts = 0;
  constructor(
    readonly description: string,
    private readonly log: string[],
    private readonly liftError?: Error,
  ) {}
  verify(): Promise<void> {
    return Promise.resolve();
  }
  inject(): Promise<void> {
    this.injected = true;
    this.log.push(`inject ${this.description}`);
    return Promise.resolve();
  }
  lift(): Promise<void> {
    this.lifts++;
    this.log.push(`lift ${this.description}`);
    if (this.liftError) {
      return Promise.reject(this.liftError);
    }
    this.injected = false;
    return Promise.resolve();
  }
}

const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('FaultGuard', () => {
  let log: string[];
  let signals: EventEmitter;
  let exits: number[];

  beforeEach(() => {
    log = [];
    signals = new EventEmitter();
    exits = [];
  });
  const options = () => ({
    signals,
    exit: (code: number) => exits.push(code),
    log: () => undefined,
  });

  it('withFaultLifted injects, runs the body, lifts, and removes its signal handlers', async () => {
    const fault = new RecordingFault('a', log);
    const result = await withFaultLifted(
      fault,
      () => {
        log.push('body');
        return Promise.resolve(42);
      },
      options(),
    );
    expect(result).toBe(42);
    expect(log).toEqual(['inject a', 'body', 'lift a']);
    expect(signals.listenerCount('SIGINT')).toBe(0);
    expect(signals.listenerCount('SIGTERM')).toBe(0);
  });

  it('lifts when the body throws, and rethrows the body error', async () => {
    const fault = new RecordingFault('a', log);
    await expect(
      withFaultLifted(fault, () => Promise.reject(new Error('load failed')), options()),
    ).rejects.toThrow('load failed');
    expect(fault.injected).toBe(false);
  });

  it('on SIGINT lifts every fault (newest first), then exits with 130; SIGTERM exits with 143', async () => {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      const guard = new FaultGuard(options()).install();
      await guard.inject(new RecordingFault(`${signal}-1`, log));
      await guard.inject(new RecordingFault(`${signal}-2`, log));
      signals.emit(signal);
      await settle();
      expect(log.slice(-2)).toEqual([`lift ${signal}-2`, `lift ${signal}-1`]);
      expect(exits.at(-1)).toBe(code);
      expect(guard.injected).toEqual([]);
      guard.dispose();
    }
  });

  it('calls onSignal instead of exiting when given', async () => {
    const seen: string[] = [];
    const guard = new FaultGuard({ ...options(), onSignal: (s) => seen.push(s) }).install();
    await guard.inject(new RecordingFault('a', log));
    signals.emit('SIGTERM');
    await settle();
    expect(seen).toEqual(['SIGTERM']);
    expect(exits).toEqual([]);
    expect(log).toEqual(['inject a', 'lift a']);
  });

  it('exits at once on a second signal while lifting', async () => {
    const guard = new FaultGuard(options()).install();
    await guard.inject({
      description: 'hangs',
      verify: () => Promise.resolve(),
      inject: () => Promise.resolve(),
      lift: () => new Promise<void>(() => undefined),
    });
    signals.emit('SIGINT');
    signals.emit('SIGINT');
    expect(exits).toEqual([130]);
    guard.dispose();
  });

  it('tries every lift and reports the failed ones, with the body error as cause', async () => {
    const ok = new RecordingFault('ok', log);
    const broken = new RecordingFault('broken', log, new Error('docker timed out'));
    const guard = new FaultGuard(options());
    const error = await guard
      .run(async (g) => {
        await g.inject(ok);
        await g.inject(broken);
        throw new Error('load failed');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FaultLiftError);
    expect((error as FaultLiftError).message).toContain('broken: docker timed out');
    expect((error as FaultLiftError).cause).toEqual(new Error('load failed'));
    expect(ok.injected).toBe(false);
    expect(guard.injected).toEqual([broken]);
  });
});
