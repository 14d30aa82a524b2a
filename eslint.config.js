// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-bench/',
      'coverage/',
      'docs/api/',
      'node_modules/',
      '**/.angular/',
      'examples/angular/app/dist/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['rxjs/internal/*'], message: 'Use the public rxjs API.' }] },
      ],
    },
  },
  {
    files: ['spec/**/*.ts', 'examples/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['lib/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../client/*', '../rx/*', '../testing/*', '../server/*', '../cli/*'],
              message: 'lib/protocol is the bottom layer.',
            },
            {
              group: ['@opentelemetry/*', '@angular/*'],
              message: 'Only scirocco-rx/opentelemetry and scirocco-rx/angular import their peers.',
            },
            { group: ['node:*'], message: 'lib/protocol is shared with browsers: no Node built-ins.' },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../rx/*', '../testing/*', '../server/*', '../cli/*'],
              message: 'lib/client depends on lib/protocol only.',
            },
            {
              group: ['@opentelemetry/*', '@angular/*'],
              message: 'Only scirocco-rx/opentelemetry and scirocco-rx/angular import their peers.',
            },
            { group: ['rxjs', 'rxjs/*'], message: 'The client core knows nothing of RxJS.' },
          ],
        },
      ],
    },
  },
  {
    files: ['lib/server/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../client/*', '../rx/*', '../testing/*', '../cli/*'],
              message: 'lib/server depends on lib/protocol only.',
            },
            {
              group: ['@opentelemetry/*', '@angular/*'],
              message: 'Only scirocco-rx/opentelemetry and scirocco-rx/angular import their peers.',
            },
          ],
        },
      ],
    },
  },
  {
    // OpenTelemetry and Angular are optional peers: only their own entry points import them.
    files: ['lib/**/*.ts'],
    ignores: ['lib/otel/**', 'lib/angular/**', 'lib/protocol/**', 'lib/client/**', 'lib/server/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['rxjs/internal/*'], message: 'Use the public rxjs API.' },
            {
              group: ['@opentelemetry/*', '@angular/*'],
              message: 'Only scirocco-rx/opentelemetry and scirocco-rx/angular import their peers.',
            },
          ],
        },
      ],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
);
