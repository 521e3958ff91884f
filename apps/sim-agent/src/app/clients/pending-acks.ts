import type { PublishDone } from './device-client';

/**
 * An id awaiting its ack. A publish keeps its bytes, so a reconnect can send it again; `released`
 * marks a QoS 2 publish whose PUBREC came, which a reconnect continues with PUBREL instead.
 */
export interface PendingAck {
  token: number;
  done: PublishDone;
  bytes: Buffer | undefined;
  released: boolean;
}

/** A lean client's packet ids in flight (QoS 1/2 publishes and the control SUBSCRIBE). */
export class PendingAcks {
  private readonly byId = new Map<number, PendingAck>();
  private lastId = 0;

  /** Next free id in 1..65535, wrapping; 0 when every id is still pending. */
  nextId(): number {
    for (let tries = 0; tries < 65535; tries++) {
      this.lastId = this.lastId >= 65535 ? 1 : this.lastId + 1;
      if (!this.byId.has(this.lastId)) {
        return this.lastId;
      }
    }
    return 0;
  }

  add(messageId: number, ack: PendingAck): void {
    this.byId.set(messageId, ack);
  }

  get(messageId: number): PendingAck | undefined {
    return this.byId.get(messageId);
  }

  /** Removes the id's entry and calls its callback with `err` (none: success). */
  settle(messageId: number, err?: Error): void {
    const ack = this.byId.get(messageId);
    if (ack !== undefined) {
      this.byId.delete(messageId);
      ack.done(ack.token, err);
    }
  }

  /** Fails the entries `which` selects (all by default), after removing them. */
  reject(err: Error, which: (ack: PendingAck) => boolean = () => true): void {
    const rejected: PendingAck[] = [];
    for (const [id, ack] of this.byId) {
      if (which(ack)) {
        this.byId.delete(id);
        rejected.push(ack);
      }
    }
    for (const ack of rejected) {
      ack.done(ack.token, err);
    }
  }

  entries(): IterableIterator<[number, PendingAck]> {
    return this.byId.entries();
  }
}
