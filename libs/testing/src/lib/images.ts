import { getContainerRuntimeClient, ImageName } from 'testcontainers';

/** Service images: the official registry image by default, overridable by env (tools/stack/env.sh). */
export const IMAGE_DEFAULTS = {
  REDIS_IMAGE: 'redis:7',
  MOSQUITTO_IMAGE: 'eclipse-mosquitto:2',
  VICTORIA_IMAGE: 'victoriametrics/victoria-metrics:v1.102.0',
} as const;

export type ImageVar = keyof typeof IMAGE_DEFAULTS;

/** Registry-free images built by tools/images/build-images.sh, named in error hints. */
const LOCAL_IMAGES: Record<ImageVar, string> = {
  REDIS_IMAGE: 'sousvide/redis:7-debian',
  MOSQUITTO_IMAGE: 'sousvide/mosquitto:2-debian',
  VICTORIA_IMAGE: 'sousvide/victoria-metrics:debian',
};

/** Budget for pulling a missing image; a firewalled registry can hang instead of failing fast. */
const PULL_TIMEOUT_MS = 45_000;

export function resolveImage(variable: ImageVar, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[variable]?.trim();
  return value ? value : IMAGE_DEFAULTS[variable];
}

export function missingImageMessage(variable: ImageVar, image: string, cause: string): string {
  return (
    `Image "${image}" (${variable}) is not available locally and could not be pulled: ${cause}. ` +
    `Without a registry, build the local images with tools/images/build-images.sh and ` +
    `set ${variable}=${LOCAL_IMAGES[variable]} (source tools/stack/env.sh).`
  );
}

/**
 * Makes sure the image exists locally, pulling it if needed, and fails with an actionable message
 * (image name + build-images.sh hint) instead of testcontainers' generic pull error or a hang.
 */
export async function ensureImage(variable: ImageVar, image: string): Promise<void> {
  const client = await getContainerRuntimeClient().catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(
      `No container runtime for "${image}" (${message}); run tools/stack/ensure-prereqs.sh`,
    );
  });
  const name = ImageName.fromString(image);
  if (await client.image.exists(name)) {
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`pull timed out after ${PULL_TIMEOUT_MS / 1000} s`)),
      PULL_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([client.image.pull(name), timeout]);
  } catch (err) {
    throw new Error(
      missingImageMessage(
        variable,
        image,
        (err instanceof Error ? err.message : String(err)).trim(),
      ),
    );
  } finally {
    clearTimeout(timer);
  }
  // A pull whose stream reports an error (e.g. manifest unknown) still resolves: check again.
  if (!(await client.image.exists(name))) {
    throw new Error(
      missingImageMessage(variable, image, 'pull finished but the image is still missing'),
    );
  }
}

/** Prefixes startup failures with the image so a broken local image is easy to spot. */
export async function startingImage<T>(image: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`Failed to start container from "${image}": ${message}`, { cause: err });
  }
}
