import nx from '@nx/eslint-plugin';

const ioPackages = [
  '@nestjs/*',
  'mqtt',
  'mqtt-packet',
  'ioredis',
  'bullmq',
  '@influxdata/*',
  'testcontainers',
];

const scopes = ['scope:simulator', 'scope:ingest', 'scope:dlq', 'scope:shared', 'scope:chaos'];

/**
 * Layering: app -> feature -> data-access -> util; scopes see themselves and shared. Tests of any
 * project may also use the container harness (type:testing); production code may not.
 *
 * scope:chaos injects faults into every other scope, so it may depend on all of them; nothing
 * depends on it. Its data-access tests may also drive other data-access libs (the code under
 * fault, e.g. the Influx writer through the fault proxy): the data-access rule is therefore
 * stated per scope, with that one exception for chaos tests.
 */
function depConstraints(tests) {
  const harness = tests ? ['type:testing'] : [];
  const dataAccess = scopes.map((scope) => ({
    allSourceTags: ['type:data-access', scope],
    onlyDependOnLibsWithTags: [
      'type:util',
      ...harness,
      ...(tests && scope === 'scope:chaos' ? ['type:data-access'] : []),
    ],
  }));
  return [
    {
      sourceTag: 'type:app',
      onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', ...harness],
    },
    {
      sourceTag: 'type:feature',
      onlyDependOnLibsWithTags: ['type:data-access', 'type:util', ...harness],
    },
    ...dataAccess,
    // Pure libraries: no framework, broker, Redis or Influx code.
    {
      sourceTag: 'type:util',
      onlyDependOnLibsWithTags: ['type:util'],
      bannedExternalImports: ioPackages,
    },
    { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['type:util'] },
    { sourceTag: 'scope:simulator', onlyDependOnLibsWithTags: ['scope:simulator', 'scope:shared'] },
    { sourceTag: 'scope:ingest', onlyDependOnLibsWithTags: ['scope:ingest', 'scope:shared'] },
    {
      sourceTag: 'scope:dlq',
      onlyDependOnLibsWithTags: ['scope:dlq', 'scope:ingest', 'scope:shared'],
    },
    { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
    { sourceTag: 'scope:chaos', onlyDependOnLibsWithTags: scopes },
  ];
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: [
      '**/dist',
      '**/out-tsc',
      '**/coverage',
      'docs/**',
      '**/jest.config.*',
      '**/webpack.config.js',
    ],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: depConstraints(false),
        },
      ],
    },
  },
  {
    files: ['**/test/**/*.ts', '**/*.spec.ts', '**/*.testing.ts'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: depConstraints(true),
        },
      ],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/require-await': 'error',
      eqeqeq: ['error', 'always'],
      curly: ['error', 'all'],
    },
  },
];
