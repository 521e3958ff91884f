import type { FailsafeGate, GateClaim, GateOutcome } from '@sousvide/ingest-storage';
import { withTimeout } from '@sousvide/shared-util';

/** A gate decision, and where it was taken: Redis, or this instance alone while Redis is away. */
export interface GateDecision {
  outcome: GateOutcome;
  via: 'redis' | 'local';
  /** Present when acquired: what {@link CooldownGate.release} gives back. */
  claim?: GateClaim;
}

export interface CooldownGateOptions {
  remote: Pick<FailsafeGate, 'acquire' | 'release' | 'restore'>;
  gatewayId: string;
  cooldownMs: number;
  /** How long a decision waits for Redis before it is taken locally. */
  timeoutMs: number;
  /** True while Redis is known to be down (the pipeline's circuit): decide locally at once. */
  redisKnownDown: () => boolean;
  log: (obj: Record<string, unknown>, msg: string) => void;
  /** How often claims taken locally are written to Redis while it is away (default 1 s). */
  syncEveryMs?: number;
  now?: () => number;
}

type Held = GateClaim & { at: number };

/**
 * The fail-safe's cooldown, kept in Redis across instances and mirrored here, so that it holds
 * whatever Redis does: when Redis fails or is slower than `timeoutMs`, this instance decides
 * alone from what it remembers (its own commands), and writes those claims to Redis once it
 * answers again. Decisions for one device are taken one after the other; different devices never
 * wait for each other. A failure therefore never blocks a command: at worst, during a Redis
 * outage, two instances each send one (a second heater-off is harmless; a missing one is not).
 */
export class CooldownGate {
  private readonly cooldowns = new Map<string, { until: number; token: string }>();
  private readonly fired = new Map<string, { until: number; token: string }>();
  /** Claims taken while Redis was away, to write there; claims given back while it was away. */
  private readonly unsynced = new Map<string, Held>();
  private readonly unreleased = new Map<string, GateClaim>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly now: () => number;
  private seq = 0;
  private lastSweep = 0;
  private syncTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: CooldownGateOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Claims still to be written to (or removed from) Redis. */
  get pendingSync(): number {
    return this.unsynced.size + this.unreleased.size;
  }

  /** Decides for one reading: acquire the device's cooldown, or say why not. Never rejects. */
  decide(deviceId: string, messageKey: string, firedMs: number): Promise<GateDecision> {
    const prev = this.chains.get(deviceId) ?? Promise.resolve();
    const next = prev.then(() => this.decideNow(deviceId, messageKey, firedMs));
    this.chains.set(deviceId, next);
    void next.finally(() => {
      if (this.chains.get(deviceId) === next) {
        this.chains.delete(deviceId);
      }
    });
    return next;
  }

  /** Gives a claim back (its command could not be delivered), here and in Redis. */
  async release(claim: GateClaim): Promise<void> {
    if (this.cooldowns.get(claim.deviceId)?.token === claim.token) {
      this.cooldowns.delete(claim.deviceId);
    }
    if (this.fired.get(claim.messageKey)?.token === claim.token) {
      this.fired.delete(claim.messageKey);
    }
    if (this.unsynced.delete(claim.token)) {
      return; // never reached Redis
    }
    try {
      await withTimeout(this.o.remote.release(claim), this.o.timeoutMs, 'Redis release');
    } catch {
      this.unreleased.set(claim.token, claim);
      this.scheduleSync();
    }
  }

  /** Stops the background sync (what is left is logged: those markers stay local). */
  close(): void {
    this.closed = true;
    clearTimeout(this.syncTimer);
    if (this.pendingSync > 0) {
      this.o.log(
        { claims: this.pendingSync },
        'fail-safe cooldowns not written to Redis at shutdown',
      );
    }
  }

  private async decideNow(
    deviceId: string,
    messageKey: string,
    firedMs: number,
  ): Promise<GateDecision> {
    const now = this.now();
    this.sweep(now);
    if ((this.fired.get(messageKey)?.until ?? 0) > now) {
      return { outcome: 'duplicate', via: 'local' };
    }
    if ((this.cooldowns.get(deviceId)?.until ?? 0) > now) {
      return { outcome: 'cooldown', via: 'local' };
    }
    this.seq += 1;
    const claim: GateClaim = {
      deviceId,
      messageKey,
      token: `${this.o.gatewayId}:${this.seq}`,
      cooldownMs: this.o.cooldownMs,
      firedMs,
    };
    if (!this.o.redisKnownDown()) {
      try {
        const outcome = await withTimeout(
          this.o.remote.acquire(claim),
          this.o.timeoutMs,
          'Redis gate',
        );
        if (outcome !== 'acquired') {
          return { outcome, via: 'redis' };
        }
        this.remember(claim, now);
        return { outcome, via: 'redis', claim };
      } catch (err) {
        if (this.unsynced.size === 0) {
          this.o.log(
            { err: (err as Error).message },
            'fail-safe cooldown kept locally: Redis did not answer',
          );
        }
      }
    }
    this.remember(claim, now);
    this.unsynced.set(claim.token, { ...claim, at: now });
    this.scheduleSync();
    return { outcome: 'acquired', via: 'local', claim };
  }

  private remember(claim: GateClaim, now: number): void {
    this.cooldowns.set(claim.deviceId, { until: now + claim.cooldownMs, token: claim.token });
    this.fired.set(claim.messageKey, { until: now + claim.firedMs, token: claim.token });
  }

  private scheduleSync(): void {
    if (this.closed || this.syncTimer) {
      return;
    }
    this.syncTimer = setTimeout(() => void this.sync(), this.o.syncEveryMs ?? 1000);
    this.syncTimer.unref();
  }

  /** Writes local claims to Redis (what is left of each) and removes the released ones. */
  private async sync(): Promise<void> {
    this.syncTimer = undefined;
    const now = this.now();
    const restore: GateClaim[] = [];
    for (const [token, c] of this.unsynced) {
      const cooldownMs = c.at + c.cooldownMs - now;
      const firedMs = c.at + c.firedMs - now;
      if (cooldownMs <= 0 && firedMs <= 0) {
        this.unsynced.delete(token);
      } else {
        restore.push({ ...c, cooldownMs: Math.max(1, cooldownMs), firedMs: Math.max(1, firedMs) });
      }
    }
    const release = [...this.unreleased.values()];
    if (restore.length + release.length === 0) {
      return;
    }
    try {
      if (this.o.redisKnownDown()) {
        throw new Error('Redis known down');
      }
      // Background work (its timer is unref'd): its bounds do not hold a stopping process open.
      const budget = Math.max(this.o.timeoutMs, 1000);
      const bound = { background: true };
      await withTimeout(this.o.remote.restore(restore), budget, 'Redis restore', bound);
      await Promise.all(
        release.map((c) => withTimeout(this.o.remote.release(c), budget, 'Redis release', bound)),
      );
      restore.forEach((c) => this.unsynced.delete(c.token));
      release.forEach((c) => this.unreleased.delete(c.token));
      this.o.log(
        { restored: restore.length, released: release.length },
        'fail-safe cooldowns reconciled with Redis',
      );
    } catch {
      this.scheduleSync();
    }
  }

  /** Forgets expired local entries, at most once a second. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 1000) {
      return;
    }
    this.lastSweep = now;
    for (const map of [this.cooldowns, this.fired]) {
      for (const [k, v] of map) {
        if (v.until <= now) {
          map.delete(k);
        }
      }
    }
  }
}
