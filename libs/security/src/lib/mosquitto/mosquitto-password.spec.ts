import {
  hashMosquittoPassword,
  parsePasswordFileLine,
  passwordFileLine,
  verifyMosquittoPassword,
} from './mosquitto-password';

// Written by Mosquitto 2.0.11's own mosquitto_passwd (Debian 12 package), so these check our
// hashing against the broker's implementation rather than against itself.
const FROM_MOSQUITTO_PASSWD = [
  {
    password: 'derived-Pa55word_x',
    line: 'sv-000042:$7$101$X/CBdqq9vzPgcCkB$p5BgVLzcuR4GlZ9fEJY/qFjd9YUCIzm4mv2mNBHVJuswpNMzA3io8edYV6OlSnkNWLsZCspbgiDBz4Pqt2hMIA==',
  },
  {
    password: 'gw-secret',
    line: 'gw:$7$1000$jq5NicYm8AgZQvOT$XY/Lb/t8cy+AQviol858WLWFXNfXGRtXKct05/5Dkf8a8vY0hkXQs3xJyDltW7LlrgeqbKEL0hxGZ8ll8p+RVw==',
  },
];

describe('Mosquitto password hashes', () => {
  it.each(FROM_MOSQUITTO_PASSWD)('reproduces mosquitto_passwd byte for byte ($line)', async (v) => {
    const { username, hash } = parsePasswordFileLine(v.line);
    const ours = await hashMosquittoPassword(v.password, {
      salt: hash.salt,
      iterations: hash.iterations,
    });
    expect(passwordFileLine(username, ours)).toBe(v.line);
  });

  it('verifies the right password and rejects a wrong one', () => {
    const { hash } = parsePasswordFileLine(FROM_MOSQUITTO_PASSWD[0].line);
    expect(verifyMosquittoPassword(hash, 'derived-Pa55word_x')).toBe(true);
    expect(verifyMosquittoPassword(hash, 'derived-Pa55word_y')).toBe(false);
  });

  it('salts every hash afresh with 12 bytes and 101 rounds by default', async () => {
    const a = await hashMosquittoPassword('same');
    const b = await hashMosquittoPassword('same');
    expect(a.salt).toHaveLength(12);
    expect(a.iterations).toBe(101);
    expect(a.salt.equals(b.salt)).toBe(false);
    expect(a.hash.equals(b.hash)).toBe(false);
  });

  it('refuses what Mosquitto would silently drop or misread', async () => {
    await expect(hashMosquittoPassword('x', { salt: Buffer.alloc(16) })).rejects.toThrow(
      'salt must be 12 bytes, got 16',
    );
    const h = await hashMosquittoPassword('x');
    expect(() => passwordFileLine('a:b', h)).toThrow('cannot go in a password file');
    expect(() => passwordFileLine('a b', h)).toThrow('cannot go in a password file');
    expect(() => parsePasswordFileLine('user:$6$abc$def')).toThrow('not a Mosquitto 2 PBKDF2');
  });
});
