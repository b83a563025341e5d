// Lint: typescript-eslint's type-checked recommended rules over everything tsconfig.json type-checks.
// Formatting is Prettier's job (`npm run format`), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // lessons/exercises/*.ts are learner-facing content: verify type-checks each with the workspace's own strict
  // settings, and the CI exercise test holds every solution to pass it.
  { ignores: ['dist/', 'node_modules/', 'bench/results/', 'bench/go/', '.sandbox/', 'lessons/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // node:test's test()/describe() return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      // An abort rejects with signal.reason, and a pass-through rejects with what it caught: both are whatever they are.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
      // `_`-prefixed names are deliberately unused (a parameter a signature requires).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Test doubles implement async interfaces with answers they already have.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    // JavaScript that tsconfig.json type-checks (checkJs): TypeScript reports undefined names.
    files: ['scripts/**/*.js', 'eslint.config.js'],
    rules: { 'no-undef': 'off' },
  },
  {
    // The published entry is plain JavaScript that loads the built bundle; it is outside the TypeScript project.
    files: ['bin/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
