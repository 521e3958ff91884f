import { describeReasonCode, isPermanentRefusal } from './reason-codes';

describe('reason codes', () => {
  it('names a code with its hex value, and keeps unknown ones as numbers', () => {
    expect(describeReasonCode(0x87)).toBe('not authorized (0x87)');
    expect(describeReasonCode(0x00)).toBe('success (0x00)');
    expect(describeReasonCode(0xfe)).toBe('unknown reason (0xfe)');
  });

  it('treats bad credentials as permanent and a busy server as worth another attempt', () => {
    expect(isPermanentRefusal(0x86)).toBe(true);
    expect(isPermanentRefusal(0x89)).toBe(false);
  });
});
