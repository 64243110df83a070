import {execFile} from 'node:child_process'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {describe, expect, it} from 'vitest'

// A mistyped option ends every command with the mistake and its usage (exit 2), never with
// Node's stack trace: `npm run import -- --data-dir x` (a lake option) used to print one.

const run = promisify(execFile)
const SCRIPTS = join(import.meta.dirname, '..', 'scripts')

async function failure(script: string, args: string[]) {
  try {
    await run(process.execPath, [join(SCRIPTS, script), ...args], {timeout: 30_000})
  } catch (error) {
    const {code, stderr} = error as {code: number; stderr: string}
    return {code, stderr}
  }
  throw new Error(`${script} ${args.join(' ')} succeeded`)
}

describe('command-line mistakes', () => {
  it.each([
    ['import.ts', 'npm run import --'],
    ['lake.ts', 'npm run lake --'],
    ['migrate.ts', 'npm run migrate --'],
    ['similar.ts', 'npm run similar --'],
    ['bench.ts', 'npm run bench --'],
    ['start.ts', 'npm start --'],
    ['../bench/similar/eval.ts', 'npm run similar:eval --'],
    ['../bench/similar/tune.ts', 'npm run similar:tune --'],
    ['../bench/similar/real/product.ts', 'npm run similar:product --'],
    ['../bench/similar/real/prepare.ts', 'npm run similar:data --'],
    ['../bench/similar/real/translation.ts', 'npm run similar:translation --'],
  ])('%s names an unknown option and shows its usage', async (script, usage) => {
    const {code, stderr} = await failure(script, ['--data-dirr', 'x'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^Unknown option '--data-dirr'/)
    expect(stderr).toContain(`Usage: ${usage}`)
    expect(stderr).not.toMatch(/^\s+at /m)
    expect(stderr).not.toContain('To specify a positional argument')
  })

  it.each(['import.ts', 'lake.ts', 'migrate.ts', 'similar.ts', 'bench.ts', 'start.ts'])(
    '%s prints its usage for --help and -h',
    async (script) => {
      for (const flag of ['--help', '-h']) {
        const {stdout} = await run(process.execPath, [join(SCRIPTS, script), flag])
        expect(stdout).toMatch(/^Usage: npm (run \w+|start) --/)
      }
    },
  )

  it('names an option given without its value', async () => {
    const {code, stderr} = await failure('similar.ts', ['--limit'])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^Option '--limit <value>' argument missing/)
    expect(stderr).not.toMatch(/^\s+at /m)
  })
})
