import { UsageError } from '@sousvide/shared-util';
import { parseProvisionArgs } from './provision-args';

const usageError = (argv: string[]): string => {
  try {
    parseProvisionArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      return err.message;
    }
    throw err;
  }
  throw new Error('expected a usage error');
};

describe('parseProvisionArgs', () => {
  it('defaults everything but --devices, with secret files inside --out', () => {
    expect(parseProvisionArgs(['--devices', '10000', '--out', '/s'])).toEqual({
      command: 'run',
      options: {
        devices: 10000,
        out: '/s',
        format: 'dynsec',
        prefix: 'sv-',
        gatewayUser: 'ingest-gateway',
        monitorUser: 'sim-coordinator',
        fleetSecretFile: '/s/fleet-secret',
        gatewayPasswordFile: '/s/gateway-password',
        monitorPasswordFile: '/s/monitor-password',
        rotate: false,
        iterations: 101,
        deviceIterations: 1,
        json: false,
      },
    });
  });

  it('takes every option', () => {
    const parsed = parseProvisionArgs([
      '--devices=5',
      '--format=passwd',
      '--prefix=dev-',
      '--gateway-user=gw',
      '--fleet-secret-file=/run/secrets/fleet',
      '--gateway-password-file=/run/secrets/gw',
      '--monitor-user=probe',
      '--monitor-password-file=/run/secrets/probe',
      '--rotate',
      '--iterations=1000',
      '--device-iterations=7',
      '--json',
    ]);
    expect(parsed).toMatchObject({
      options: {
        devices: 5,
        format: 'passwd',
        prefix: 'dev-',
        gatewayUser: 'gw',
        fleetSecretFile: '/run/secrets/fleet',
        gatewayPasswordFile: '/run/secrets/gw',
        monitorUser: 'probe',
        monitorPasswordFile: '/run/secrets/probe',
        rotate: true,
        iterations: 1000,
        deviceIterations: 7,
        json: true,
      },
    });
  });

  it('names what is wrong', () => {
    expect(usageError([])).toBe('--devices is required');
    expect(usageError(['--devices', '0'])).toBe(
      '--devices must be a whole number in 1..1000000 (got "0")',
    );
    expect(usageError(['--devices', '1e3'])).toBe(
      '--devices must be a whole number in 1..1000000 (got "1e3")',
    );
    expect(usageError(['--devices', '0x10'])).toBe(
      '--devices must be a whole number in 1..1000000 (got "0x10")',
    );
    expect(usageError(['--devices', '2000000'])).toBe(
      '--devices must be a whole number in 1..1000000 (got "2000000")',
    );
    expect(usageError(['--devices', '1', '--iterations', '0x10'])).toBe(
      '--iterations must be a whole number in 1..100000 (got "0x10")',
    );
    expect(usageError(['--devices', '1', '--format', 'acl'])).toBe(
      '--format must be dynsec or passwd',
    );
    expect(usageError(['--devices', '1', '--prefix', 'a/+'])).toBe(
      '--prefix may hold letters, digits, . _ -',
    );
    expect(usageError(['--devices', '1', '--gateway-user', 'sv-000001'])).toBe(
      '--gateway-user must not look like a device id (<prefix><digits>)',
    );
    expect(usageError(['--devices', '1', '--monitor-user', 'sv-000002'])).toBe(
      '--monitor-user must not look like a device id (<prefix><digits>)',
    );
    expect(usageError(['--devices', '1', '--monitor-user', 'a#'])).toBe(
      '--monitor-user may hold letters, digits, . _ -',
    );
    expect(usageError(['--devices', '1', '--monitor-user', 'ingest-gateway'])).toBe(
      '--monitor-user must differ from --gateway-user (each has its own grants)',
    );
    expect(usageError(['--devices', '1', '--device-iterations', '0'])).toBe(
      '--device-iterations must be a whole number in 1..100000 (got "0")',
    );
    expect(usageError(['--devices', '1', '--out='])).toBe('--out must name a directory');
    expect(usageError(['--devices', '1', '--gateway-password-file='])).toBe(
      '--gateway-password-file must name a file',
    );
    expect(usageError(['--devices', '1', '--prefix', 'p'.repeat(123)])).toBe(
      '--prefix may be at most 122 characters: a device id, the prefix and 6 digits, is at most 128',
    );
    expect(parseProvisionArgs(['--devices', '1', '--prefix', 'p'.repeat(122)])).toMatchObject({
      options: { prefix: 'p'.repeat(122) },
    });
    expect(
      usageError(['--devices', '1', '--fleet-secret-file', 'f', '--gateway-password-file', './f']),
    ).toBe(
      '--fleet-secret-file, --gateway-password-file and --monitor-password-file must be three different files (each secret goes to other hosts)',
    );
    expect(
      usageError(['--devices', '1', '--out', '/s', '--monitor-password-file', '/s/fleet-secret']),
    ).toContain('must be three different files');
    expect(usageError(['--devices', '1', '--bogus'])).toContain("Unknown option '--bogus'");
    expect(usageError(['--devices', '1', 'extra'])).toBe("unexpected argument 'extra'");
  });

  it('answers --help without other options', () => {
    expect(parseProvisionArgs(['-h'])).toEqual({ command: 'help' });
  });
});
