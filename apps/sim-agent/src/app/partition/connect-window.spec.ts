import { ConnectWindow } from './connect-window';

/** Acquires `n` slots without awaiting; returns how many were granted after the microtasks ran. */
async function grab(window: ConnectWindow, n: number, parallelism: number): Promise<() => number> {
  let granted = 0;
  for (let i = 0; i < n; i += 1) {
    void window.acquire(parallelism).then(() => {
      granted += 1;
    });
  }
  await Promise.resolve();
  return () => granted;
}

describe('ConnectWindow', () => {
  it('lets only the initial window through before any CONNECT is answered', async () => {
    const window = new ConnectWindow(0, 16);
    const granted = await grab(window, 960, 120);
    expect(granted()).toBe(16);
    expect(window.state()).toEqual({ open: 16, inFlight: 16, waiting: 944 });
  });

  it('opens by one per accepted connection, so it doubles every round trip', async () => {
    const window = new ConnectWindow(0, 16);
    const granted = await grab(window, 960, 120);
    for (let i = 0; i < 16; i += 1) {
      window.release(true);
    }
    await Promise.resolve();
    // 16 answered: 16 more slots from the answers' own release, 16 from the window opening.
    expect(window.state().open).toBe(32);
    expect(window.state().inFlight).toBe(32);
    expect(granted()).toBe(48);
  });

  it.each([
    ['the largest parallelism asked of it', 0, 120],
    ['its own bound when that is below the parallelism (a local broker backlog)', 100, 100],
  ])('stops opening at %s', async (_what, max, open) => {
    const window = new ConnectWindow(max, 16);
    await grab(window, 960, 120);
    for (let i = 0; i < 500; i += 1) {
      window.release(true);
    }
    expect(window.state()).toMatchObject({ open, inFlight: open });
  });

  it('does not open on a failed CONNECT, but frees its slot', async () => {
    const window = new ConnectWindow(0, 4);
    const granted = await grab(window, 10, 120);
    window.release(false);
    await Promise.resolve();
    expect(window.state()).toMatchObject({ open: 4, inFlight: 4, waiting: 5 });
    expect(granted()).toBe(5);
  });

  it('never lets more through than a small parallelism, even below the initial window', async () => {
    const window = new ConnectWindow(0, 16);
    const granted = await grab(window, 10, 4);
    expect(granted()).toBe(4);
    window.release(true);
    await Promise.resolve();
    expect(granted()).toBe(5);
    expect(window.state()).toMatchObject({ open: 4, inFlight: 4 });
  });
});
