import { errorMessage, isRedisUnreachable } from './error-message.util';

const systemError = (code: string, syscall: string): Error =>
  Object.assign(new Error(`${syscall} ${code}`), { code, syscall, errno: -1 });

describe('isRedisUnreachable', () => {
  it.each([
    ['a refused connect', systemError('ECONNREFUSED', 'connect')],
    ['a reset read', systemError('ECONNRESET', 'read')],
    ['a write into a closed socket', systemError('EPIPE', 'write')],
    ['a connect that timed out', systemError('ETIMEDOUT', 'connect')],
    ['an unreachable host', systemError('EHOSTUNREACH', 'connect')],
    ['an unknown host name', systemError('ENOTFOUND', 'getaddrinfo')],
    ['a closed ioredis connection', new Error('Connection is closed.')],
    [
      'a command refused with the offline queue off',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    ],
    [
      'a command given up after its retries',
      new Error('Reached the max retries per request limit (which is 1). Refer to ...'),
    ],
  ])('recognises %s', (_name, err) => {
    expect(isRedisUnreachable(err)).toBe(true);
    // Results carry the message only (DlqAddResult, HeartbeatStore failures): same answer.
    expect(isRedisUnreachable(errorMessage(err))).toBe(true);
  });

  it.each([
    ['an answer Redis gave', new Error('WRONGTYPE Operation against a key holding the wrong kind')],
    ['a refused login', new Error('NOAUTH Authentication required.')],
    ['a full server', new Error("OOM command not allowed when used memory > 'maxmemory'.")],
    ['a replica', new Error("READONLY You can't write against a read only replica.")],
    ['a stalled server (reachable, not answering)', new Error('Command timed out')],
    ['our own add timeout', new Error('DLQ add timed out after 1000 ms')],
    ['a code that only looks similar', new Error('NOTECONNREFUSEDX')],
    ['not an error at all', undefined],
  ])('does not take %s for an unreachable Redis', (_name, err) => {
    expect(isRedisUnreachable(err)).toBe(false);
  });
});
