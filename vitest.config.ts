import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['**/__tests__/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    environment: 'node',
    setupFiles: ['./test/setup.ts'],
    testTimeout: 30_000,
    // Set-up hooks start lakes and import archives; on a loaded 2-core machine that outgrows 10 s.
    hookTimeout: 60_000,
  },
})
