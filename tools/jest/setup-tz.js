// Jest setupFiles entry: timestamps in assertions and bucket math must not depend on the host TZ.
process.env['TZ'] = 'UTC';
