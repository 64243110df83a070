import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, expect, it} from 'vitest'

// A command that prints far more than a pipe holds (64 KiB) and exits, read by a reader that
// takes nothing for a while: every line must still arrive, and the exit code with it.

const EXIT = join(import.meta.dirname, '..', 'exit.ts')
const LINES = 2000
let dir: string
let script: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'exit-'))
  script = join(dir, 'print.ts')
  await writeFile(
    script,
    `import {exitWhenFlushed} from ${JSON.stringify(EXIT)}\n` +
      `for (let i = 0; i < ${LINES}; i++) console.log(String(i).padEnd(499, '.'))\n` +
      `console.error('done')\n` +
      `await exitWhenFlushed(3)\n`,
  )
})

afterAll(() => rm(dir, {recursive: true, force: true}))

it('waits for a slow reader before exiting, so no printed line is lost', async () => {
  const child = spawn(process.execPath, [script], {stdio: ['ignore', 'pipe', 'pipe']})
  child.stdout.pause()
  const exited = once(child, 'exit')
  // 'close' comes after the exit and the end of every output stream.
  const closed = once(child, 'close')
  let errors = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => (errors += text))
  // Read nothing until the command has printed everything (its last word is on stderr) and
  // had time to exit if it were going to.
  while (!errors.includes('done')) await sleep(20)
  await Promise.race([exited, sleep(1000)])
  const chunks: Buffer[] = []
  child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
  child.stdout.resume()
  const [code] = await closed
  const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n')
  expect(lines).toHaveLength(LINES)
  expect(lines.at(-1)).toMatch(new RegExp(`^${LINES - 1}\\.+$`))
  expect(code).toBe(3)
})
