import {spawn} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {lakeToken} from '../lake/config.ts'
import {lakeClient} from '../lake/connect.ts'

const START = join(import.meta.dirname, '..', 'scripts', 'start.ts')
let dir: string

/** Runs `npm start`'s script until it prints its API URL; returns the URL and a stop function. */
async function start(): Promise<{url: string; output: string; stop: () => Promise<number | null>}> {
  const child = spawn(process.execPath, [START, '--quiet'], {
    env: {...process.env, LAKE_DATA_DIR: dir, LAKE_PORT: '0', SANITY_DATASET: 'production'},
  })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Content Lake API\s+(http:\/\/\S+)/.exec(output)
      if (match?.[1]) resolve(match[1])
    })
    child.on('exit', (code) => reject(new Error(`start exited with ${code}: ${output}`)))
  })
  return {
    url,
    output,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'start-'))
})

afterAll(() => rm(dir, {recursive: true, force: true}))

describe('npm start', () => {
  it('imports the sample archive on first run only, and stops cleanly', async () => {
    const first = await start()
    expect(first.output).toContain('First run: imported the sample archive (4 threads')
    const client = lakeClient(first.url, 'production', lakeToken(dir))
    expect(await client.fetch('count(*[_type == "question"])')).toBe(4)
    expect(await first.stop()).toBe(0)

    const second = await start()
    expect(second.output).not.toContain('First run')
    expect(
      await lakeClient(second.url, 'production', lakeToken(dir)).fetch(
        'count(*[_type == "reply"])',
      ),
    ).toBe(4)
    expect(await second.stop()).toBe(0)
  })
})
