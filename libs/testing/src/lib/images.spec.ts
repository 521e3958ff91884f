import { IMAGE_DEFAULTS, missingImageMessage, resolveImage } from './images';

describe('resolveImage', () => {
  it('defaults to the official images', () => {
    expect(resolveImage('REDIS_IMAGE', {})).toBe(IMAGE_DEFAULTS.REDIS_IMAGE);
    expect(resolveImage('MOSQUITTO_IMAGE', { MOSQUITTO_IMAGE: '  ' })).toBe('eclipse-mosquitto:2');
  });

  it('honours the env override', () => {
    expect(resolveImage('REDIS_IMAGE', { REDIS_IMAGE: 'sousvide/redis:7-debian' })).toBe(
      'sousvide/redis:7-debian',
    );
  });
});

describe('missingImageMessage', () => {
  it('names the image, the variable and the build script', () => {
    const message = missingImageMessage(
      'VICTORIA_IMAGE',
      'victoriametrics/victoria-metrics:v1.102.0',
      'no such host',
    );
    expect(message).toContain('victoriametrics/victoria-metrics:v1.102.0');
    expect(message).toContain('tools/images/build-images.sh');
    expect(message).toContain('VICTORIA_IMAGE=sousvide/victoria-metrics:debian');
  });
});
