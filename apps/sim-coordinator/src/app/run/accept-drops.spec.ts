import { acceptQueueDrops, acceptQueueNote } from './accept-drops';

describe('accept-queue drops over an attempt', () => {
  it('counts what the host dropped between two readings, and says nothing when none', () => {
    const before = { ListenOverflows: 10, TCPSynRetrans: 4, ListenDrops: 10 };
    const same = acceptQueueDrops(before, before);
    expect(same).toEqual({ listenOverflows: 0, synRetransmits: 0 });
    expect(acceptQueueNote(same)).toBeUndefined();

    const after = acceptQueueDrops(before, { ListenOverflows: 1823, TCPSynRetrans: 1558 });
    expect(after).toEqual({ listenOverflows: 1813, synRetransmits: 1554 });
    expect(acceptQueueNote(after)).toContain('1813 handshakes dropped at a full accept queue');
  });

  it('reads a counter the kernel does not have (or a reset) as no drops, not as negative', () => {
    expect(acceptQueueDrops({ ListenOverflows: 5 }, {})).toEqual({
      listenOverflows: 0,
      synRetransmits: 0,
    });
  });
});
