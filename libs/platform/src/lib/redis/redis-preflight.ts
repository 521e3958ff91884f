import { Redis } from 'ioredis';
import type { ServiceAccess } from '@sousvide/security';
import { REDIS_PROFILES } from './redis-profiles';
import { redisAccessFromEnv, redisAccessOptions, redisBootMessage } from './redis-options';

/**
 * Fails within `timeoutMs` with a message naming the URL when Redis does not answer (or refuses
 * the credentials, naming the variables to check), instead of letting BullMQ retry forever.
 */
export async function assertRedisReachable(
  url: string,
  timeoutMs = 3000,
  access: ServiceAccess = redisAccessFromEnv(),
): Promise<void> {
  // A throwaway probe, not a factory client: it runs before any module exists and ends here.
  const redis = new Redis(url, {
    ...REDIS_PROFILES.probe,
    connectTimeout: timeoutMs,
    ...redisAccessOptions(url, access),
  });
  let lastError: { code?: string; message: string } | undefined;
  redis.on('error', (err: { code?: string; message: string }) => {
    lastError = err;
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (err) {
    const e = lastError ?? (err as { code?: string; message: string });
    throw new Error(
      redisBootMessage(
        url,
        e.code ?? e.message,
        'start it with tools/stack/up.sh or set REDIS_URL',
      ),
    );
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
