import {spawn} from 'node:child_process'
import {get} from 'node:https'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {lakeToken} from '../lake/config.ts'
import {lakeClient} from '../lake/connect.ts'

const START = join(import.meta.dirname, '..', 'scripts', 'start.ts')
let dir: string

/** Runs `npm start`'s script until it prints its URLs; returns them and a stop function. */
async function start(): Promise<{
  url: string
  previewUrl: string
  studioUrl: string
  output: string
  stop: () => Promise<number | null>
}> {
  const child = spawn(process.execPath, [START, '--quiet'], {
    env: {
      ...process.env,
      LAKE_DATA_DIR: dir,
      LAKE_PORT: '0',
      WEB_PORT: '0',
      STUDIO_PORT: '0',
      SANITY_DATASET: 'production',
    },
  })
  let output = ''
  const [url, previewUrl, studioUrl] = await new Promise<[string, string, string]>(
    (resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        const lake = /Content Lake API\s+(http:\/\/\S+)/.exec(output)
        const preview = /Preview site\s+(http:\/\/\S+?)\/?\s/.exec(output)
        const studio = /Studio\s+(https:\/\/\S+)/.exec(output)
        if (lake?.[1] && preview?.[1] && studio?.[1]) resolve([lake[1], preview[1], studio[1]])
      })
      child.on('exit', (code) => reject(new Error(`start exited with ${code}: ${output}`)))
    },
  )
  return {
    url,
    previewUrl,
    studioUrl,
    output,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}

/** GET over TLS from the lake's self-signed certificate (the browser is asked to accept it). */
function getInsecure(url: string): Promise<{status: number; type: string; body: string}> {
  return new Promise((resolve, reject) => {
    get(url, {rejectUnauthorized: false}, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers['content-type']),
          body,
        }),
      )
    }).on('error', reject)
  })
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
    const specialties = await fetch(`${first.previewUrl}/api/specialties`)
    expect(specialties.status).toBe(200)
    expect(await (await fetch(`${first.previewUrl}/`)).text()).toContain('Orthopedics')
    // The Studio is served by the lake with the local editor signed in (Node cannot resolve
    // local.localhost, which browsers map to this machine, so ask localhost directly).
    expect(first.studioUrl).toMatch(/^https:\/\/local\.localhost:\d+\/$/)
    const studio = await getInsecure(first.studioUrl.replace('local.localhost', 'localhost'))
    expect(studio).toMatchObject({status: 200, type: expect.stringContaining('text/html')})
    expect(studio.body).toContain('__studio_auth_token_local')
    expect(studio.body).toContain(lakeToken(dir))
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
