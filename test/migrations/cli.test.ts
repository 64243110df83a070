import {execFile} from 'node:child_process'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {lakeToken} from '../../lake/config.ts'
import {lakeClient} from '../../lake/connect.ts'
import {type LakeServer, startLakeServer} from '../../lake/server.ts'
import {paragraphs} from '../fixtures/documents.ts'

// `npm run migrate` end to end: the sample archive is imported into an embedded lake with the
// import CLI, an editor adds a second "Dr. Chou" by hand, and merge-duplicate-doctors is dry-run
// (through the running lake), committed (the CLI starts its own lake) and run again.

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..', '..')
const DATASET = 'archive'

let dir: string
let server: LakeServer | undefined

function cli(script: string, args: string[]) {
  return run(process.execPath, [join(ROOT, 'scripts', script), ...args], {
    env: {...process.env, LAKE_DATA_DIR: dir, SANITY_DATASET: DATASET, SANITY_PROJECT_ID: ''},
  })
}

async function startLake() {
  server = await startLakeServer({
    dataDir: dir,
    command: 'test',
    token: lakeToken(dir),
    port: 0,
    host: '127.0.0.1',
  })
  return lakeClient(server.url, DATASET, lakeToken(dir))
}

async function stopLake() {
  await server?.close()
  server = undefined
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'migrate-cli-'))
  await cli('import.ts', [join(ROOT, 'sample', 'archive')])
  const client = await startLake()
  const [reply] = await client.fetch(
    '*[_type == "reply" && doctor._ref == "doctor-choumingyi"] | order(_id asc)',
  )
  // An editor added the same doctor again by hand, and filed a new reply under that one.
  await client
    .transaction()
    .create({_id: 'doctor-by-editor', _type: 'doctor', name: 'CHOU Ming-yi'})
    .create({
      ...reply,
      _id: 'reply-by-editor',
      doctor: {_type: 'reference', _ref: 'doctor-by-editor'},
      body: paragraphs('Please also ice the knee after climbing stairs.'),
      source: undefined,
    })
    .create({
      _id: 'question-by-editor',
      _type: 'question',
      title: 'Knee brace question from kneebrace.fan@example.com',
      body: paragraphs('Is a brace useful for a 5-10 degree bend?'),
    })
    .commit()
})

afterAll(async () => {
  await stopLake()
  await rm(dir, {recursive: true, force: true})
})

describe('npm run migrate', () => {
  it('lists the migrations', async () => {
    const {stdout} = await cli('migrate.ts', [])
    for (const id of [
      'backfill-slugs',
      'merge-duplicate-doctors',
      'resolve-similar-links',
      'scrub-asker-pii',
    ])
      expect(stdout).toContain(id)
  })

  it('refuses an unknown migration', async () => {
    await expect(cli('migrate.ts', ['rename-everything'])).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('No migration "rename-everything"'),
    })
  })

  it('dry-runs by default: prints the mutations and a count per type, writes nothing', async () => {
    const {stdout} = await cli('migrate.ts', ['merge-duplicate-doctors'])

    expect(stdout).toContain('Dry run of merge-duplicate-doctors')
    expect(stdout).toContain('transaction 1 (as the migration grouped it): 3 mutations')
    expect(stdout).toMatch(
      /patch reply-by-editor \(reply\) if rev \S+: set doctor\._ref="doctor-choumingyi"/,
    )
    expect(stdout).toMatch(
      /patch doctor-choumingyi \(doctor\) if rev \S+: set aliases=\["CHOU Ming-yi"\]/,
    )
    expect(stdout).toContain('delete doctor-by-editor (doctor)')
    expect(stdout).toMatch(/doctor {2}2 documents, 2 mutations/)
    expect(stdout).toMatch(/reply {3}1 document, 1 mutation/)
    expect(stdout).toContain('Nothing was written.')
    const client = lakeClient(server?.url ?? '', DATASET, lakeToken(dir))
    expect(await client.getDocument('doctor-by-editor')).toBeDefined()
  })

  it('shows what a dry run would change in a text, before and after', async () => {
    const {stdout} = await cli('migrate.ts', ['scrub-asker-pii'])
    expect(stdout).toContain(
      'set title: "Knee brace question from kneebrace.fan@example.com" → "Knee brace question from [email removed]"',
    )
  })

  it('commits with --no-dry-run, then finds nothing left to do', async () => {
    await stopLake()

    const {stdout} = await cli('migrate.ts', ['merge-duplicate-doctors', '--no-dry-run'])
    expect(stdout).toContain('Committed 3 mutations in 1 transaction')
    expect(stdout).toMatch(/doctor {2}1 updated, 1 deleted/)
    expect(stdout).toMatch(/reply {3}1 updated/)

    const again = await cli('migrate.ts', ['merge-duplicate-doctors', '--no-dry-run'])
    expect(again.stdout).toContain('Nothing to change')

    const client = await startLake()
    expect(await client.getDocument('doctor-by-editor')).toBeUndefined()
    expect(await client.getDocument('reply-by-editor')).toMatchObject({
      doctor: {_ref: 'doctor-choumingyi'},
    })
    expect(await client.getDocument('doctor-choumingyi')).toMatchObject({
      name: 'Chou Mingyi',
      aliases: ['CHOU Ming-yi'],
    })
  })
})
