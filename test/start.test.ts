import type {SanityClient} from '@sanity/client'
import {spawn} from 'node:child_process'
import {get} from 'node:https'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {lakeToken} from '../lake/config.ts'
import {lakeClient} from '../lake/connect.ts'
import {similarThreadsFor} from '../queries/similar.ts'

const START = join(import.meta.dirname, '..', 'scripts', 'start.ts')
let dir: string

/**
 * Runs `npm start`'s script until it prints its URLs; returns them and a stop function. The data
 * folder is `--data-dir` when `flag` is set (LAKE_DATA_DIR then points elsewhere), else LAKE_DATA_DIR.
 */
async function start({flag = false} = {}): Promise<{
  url: string
  previewUrl: string
  studioUrl: string
  signInUrl: string
  output: string
  stop: () => Promise<number | null>
}> {
  const args = flag ? ['--data-dir', dir] : []
  const child = spawn(process.execPath, [START, '--quiet', ...args], {
    env: {
      ...process.env,
      LAKE_DATA_DIR: flag ? join(dir, 'not-this-one') : dir,
      LAKE_PORT: '0',
      WEB_PORT: '0',
      STUDIO_PORT: '0',
      SANITY_DATASET: 'production',
    },
  })
  let output = ''
  const [url, previewUrl, studioUrl, signInUrl] = await new Promise<
    [string, string, string, string]
  >((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const lake = /Content Lake API\s+(http:\/\/\S+)/.exec(output)
      const preview = /Preview site\s+(http:\/\/\S+?)\/?\s/.exec(output)
      const studio = /Studio\s+(https:\/\/\S+)/.exec(output)
      const signIn = /\s(https:\/\/\S+#sid=\S+)/.exec(output)
      if (lake?.[1] && preview?.[1] && studio?.[1] && signIn?.[1])
        resolve([lake[1], preview[1], studio[1], signIn[1]])
    })
    child.on('exit', (code) => reject(new Error(`start exited with ${code}: ${output}`)))
  })
  return {
    url,
    previewUrl,
    studioUrl,
    signInUrl,
    output,
    stop: () =>
      new Promise((resolve) => {
        child.on('exit', resolve)
        child.kill('SIGTERM')
      }),
  }
}

/** Where a question's first similar thread comes from: the stored list, or the live fallback. */
/** Whether the site serves computed entries for the question (only while its list is fresh). */
async function servesComputed(client: SanityClient, id: string): Promise<boolean> {
  const served = await similarThreadsFor(client, id, 10)
  return served.some((thread) => thread.provenance === 'computed')
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
    const imported = Number(
      /First run: imported the sample archive \((\d+) threads/.exec(first.output)?.[1],
    )
    expect(imported).toBeGreaterThanOrEqual(120)
    const client = lakeClient(first.url, 'production', lakeToken(dir))
    expect(await client.fetch('count(*[_type == "question"])')).toBe(imported)
    // The sample's similar-thread lists are computed before the addresses are printed.
    expect(
      await client.fetch(
        'count(*[_type == "question" && count(similar[provenance == "computed"]) > 0])',
      ),
    ).toBe(imported)
    const replies = await client.fetch<number>('count(*[_type == "reply"])')
    expect(replies).toBeGreaterThan(0)
    const specialties = await fetch(`${first.previewUrl}/api/specialties`)
    expect(specialties.status).toBe(200)
    expect(await (await fetch(`${first.previewUrl}/`)).text()).toContain('Orthopedics')
    // The Studio is served by the lake without any secret in it (Node cannot resolve
    // local.localhost, which browsers map to this machine, so ask localhost directly); the
    // printed one-time link's code is what the Studio trades for a session token, once.
    expect(first.studioUrl).toMatch(/^https:\/\/local\.localhost:\d+\/$/)
    const local = (url: string) => url.replace('local.localhost', 'localhost')
    const studio = await getInsecure(local(first.studioUrl))
    expect(studio).toMatchObject({status: 200, type: expect.stringContaining('text/html')})
    expect(studio.body).toContain('Sanity Studio')
    expect(studio.body).not.toContain(lakeToken(dir))
    expect(first.signInUrl.startsWith(`${first.studioUrl}#sid=`)).toBe(true)
    const code = first.signInUrl.split('#sid=')[1] ?? ''
    const exchange = `${local(first.studioUrl)}v2025-02-19/auth/fetch?sid=${code}`
    const session = await getInsecure(exchange)
    expect(session.status).toBe(200)
    const {token} = JSON.parse(session.body) as {token: string}
    expect(token).not.toBe(lakeToken(dir))
    expect(
      await lakeClient(first.url, 'production', token).fetch('count(*[_type == "reply"])'),
    ).toBe(replies)
    expect((await getInsecure(exchange)).status).toBe(401)

    // Edits keep precomputed similar lists fresh: the worker follows the lake's listener.
    const id: string = await client.fetch('*[_type == "question"] | order(_id)[0]._id')
    await client.patch(id).set({title: 'Knees that click and ache on stairs'}).commit()
    expect(await servesComputed(client, id)).toBe(false) // stale until recomputed
    await expect.poll(() => servesComputed(client, id), {timeout: 20_000}).toBe(true)
    expect(await first.stop()).toBe(0)
    // It keeps a checkpoint in the data folder, to catch up with edits made while it is stopped.
    const checkpoint = JSON.parse(
      await readFile(join(dir, 'similar-watch.local.production.json'), 'utf8'),
    )
    expect(Date.parse(checkpoint.since)).not.toBeNaN()

    // `npm start -- --data-dir <dir>` serves that folder (no first-run import again).
    const second = await start({flag: true})
    expect(second.output).not.toContain('First run')
    expect(
      await lakeClient(second.url, 'production', lakeToken(dir)).fetch(
        'count(*[_type == "reply"])',
      ),
    ).toBe(replies)
    expect(await second.stop()).toBe(0)
  }, 180_000) // two starts, the first importing and ranking the sample
})
