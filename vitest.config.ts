import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['**/__tests__/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    environment: 'node',
    setupFiles: ['./test/setup.ts'],
    testTimeout: 30_000,
  },
})
