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

/**
 * Layering: app -> feature -> data-access -> util; scopes see themselves and shared. Tests of any
 * project may also use the container harness (type:testing); production code may not.
 */
function depConstraints(tests) {
  const harness = tests ? ['type:testing'] : [];
  return [
    {
      sourceTag: 'type:app',
      onlyDependOnLibsWithTags: ['type:feature', 'type:data-access', 'type:util', ...harness],
    },
    {
      sourceTag: 'type:feature',
      onlyDependOnLibsWithTags: ['type:data-access', 'type:util', ...harness],
    },
    { sourceTag: 'type:data-access', onlyDependOnLibsWithTags: ['type:util', ...harness] },
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
