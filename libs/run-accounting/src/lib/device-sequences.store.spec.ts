import { packSightings } from './device-sequences.store';

describe('packSightings', () => {
  it('writes each sighting as id length, id, seq, ts and the duplicate flag, in order', () => {
    const packed = packSightings([
      { deviceId: 'sv-1', seq: 7.9, ts: 1_796_352_068_123, duplicate: false },
      { deviceId: 'é', seq: 2 ** 40, ts: 5, duplicate: true },
    ]);

    expect(packed.length).toBe(2 + 4 + 17 + 2 + 2 + 17);
    expect(packed.readUInt16LE(0)).toBe(4);
    expect(packed.toString('utf8', 2, 6)).toBe('sv-1');
    expect(packed.readDoubleLE(6)).toBe(7);
    expect(packed.readDoubleLE(14)).toBe(1_796_352_068_123);
    expect(packed[22]).toBe(0);
    expect(packed.readUInt16LE(23)).toBe(2);
    expect(packed.toString('utf8', 25, 27)).toBe('é');
    expect(packed.readDoubleLE(27)).toBe(2 ** 40);
    expect(packed[43]).toBe(1);
  });

  it('refuses a device id longer than its 16-bit length can say', () => {
    expect(() =>
      packSightings([{ deviceId: 'x'.repeat(65_536), seq: 0, ts: 0, duplicate: false }]),
    ).toThrow('device id of 65536 bytes: a sighting holds at most 65535');
  });
});
