import {execFile} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {generateThreads, type ThreadJson} from '../bench/threads.ts'
import {lakeToken} from '../lake/config.ts'
import {lakeClient} from '../lake/connect.ts'
import {startLakeServer} from '../lake/server.ts'

// `npm run import` end to end: a seeded archive of 1,000 threads in the JSONL interchange format
// goes through the CLI into an embedded lake and is read back with GROQ.

const run = promisify(execFile)
const IMPORT = join(import.meta.dirname, '..', 'scripts', 'import.ts')
const FIXTURES = join(import.meta.dirname, 'fixtures', 'archive')

let dir: string
let threads: ThreadJson[]

function importCli(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [IMPORT, ...args], {
    env: {
      ...process.env,
      LAKE_DATA_DIR: dir,
      SANITY_DATASET: 'archive',
      SANITY_PROJECT_ID: '',
      ...env,
    },
    maxBuffer: 32 * 1024 * 1024,
  })
}

async function withClient<T>(
  work: (client: ReturnType<typeof lakeClient>) => Promise<T>,
): Promise<T> {
  const server = await startLakeServer({
    dataDir: dir,
    command: 'test',
    token: lakeToken(dir),
    port: 0,
    host: '127.0.0.1',
  })
  try {
    return await work(lakeClient(server.url, 'archive', lakeToken(dir)))
  } finally {
    await server.close()
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'import-archive-'))
  threads = [...generateThreads({count: 1000, seed: 7})]
  await writeFile(
    join(dir, 'archive.jsonl'),
    threads.map((thread) => JSON.stringify(thread)).join('\n'),
  )
})

afterAll(() => rm(dir, {recursive: true, force: true}))

describe('npm run import', () => {
  it('imports 1,000 generated threads and reads them back through GROQ', async () => {
    const {stdout} = await importCli([
      join(dir, 'archive.jsonl'),
      '--report',
      join(dir, 'report.json'),
    ])
    expect(stdout).toMatch(
      /read 1000 threads: 1000 created, 0 updated, 0 unchanged, 0 kept .*, 0 failed/,
    )
    const report = JSON.parse(await readFile(join(dir, 'report.json'), 'utf8'))
    expect(report.threads).toHaveLength(1000)
    expect(report.threads[0]).toMatchObject({source: threads[0]?.url, outcome: 'created'})

    const expectedReplies = threads.reduce((sum, thread) => sum + thread.replies.length, 0)
    const counts = await withClient((client) =>
      client.fetch(`{
        "questions": count(*[_type == "question"]),
        "replies": count(*[_type == "reply"]),
        "orphans": count(*[_type == "reply" && !defined(question->_id)]),
        "specialties": count(*[_type == "specialty"]),
        "unresolved": count(*[_type == "question" && count(similar[!defined(question)]) > 0])
      }`),
    )
    expect(counts).toEqual({
      questions: 1000,
      replies: expectedReplies,
      orphans: 0,
      specialties: 40,
      unresolved: 0,
    })

    const sample = threads[500]
    const stored = await withClient((client) =>
      client.fetch(
        `*[_type == "question" && source.url == $url][0]{title, askedAt, "specialty": specialty->name,
        "replies": count(*[_type == "reply" && question._ref == ^._id])}`,
        {url: sample?.url},
      ),
    )
    expect(stored).toEqual({
      title: sample?.title,
      askedAt: sample?.askedAt,
      specialty: sample?.specialty,
      replies: sample?.replies.length,
    })
  })

  it('reports every thread unchanged on a second run', async () => {
    const {stdout} = await importCli([join(dir, 'archive.jsonl')])
    expect(stdout).toMatch(
      /read 1000 threads: 0 created, 0 updated, 1000 unchanged, 0 kept .*, 0 failed/,
    )
  })

  it('imports page text, HTML and JSONL in one run and exits non-zero when some input failed', async () => {
    const result = importCli([FIXTURES, '--dry-run']).then(
      () => ({code: 0, stdout: ''}),
      (error: {code: number; stdout: string}) => error,
    )
    const {code, stdout} = await result
    expect(code).toBe(1)
    expect(stdout).toMatch(/Dry run: would have read \d+ threads/)
  })

  it('writes its summary and report when the dataset refuses it', async () => {
    const server = await startLakeServer({
      dataDir: dir,
      command: 'test',
      token: lakeToken(dir),
      port: 0,
      host: '127.0.0.1',
      datasets: ['archive'],
    })
    try {
      const report = join(dir, 'refused.json')
      const args = [join(FIXTURES, 'complete.txt'), join(FIXTURES, 'two-replies.txt')]
      const run = importCli([...args, '--report', report], {LAKE_TOKEN: 'not-the-token'})
      const {code, stdout, stderr} = await run.then(
        ({stdout, stderr}) => ({code: 0, stdout, stderr}),
        (error: {code: number; stdout: string; stderr: string}) => error,
      )
      expect(code).toBe(1)
      expect(stdout).toMatch(/^read 2 threads: 0 created, .* 2 failed, .*; stopped early$/m)
      expect(stderr).toMatch(/^Stopped: could not read the dataset: /m)
      const written = JSON.parse(await readFile(report, 'utf8'))
      expect(written.stopped.reason).toMatch(/^could not read the dataset: /)
      expect(written.threads).toHaveLength(2)
      expect(written.threads[0]).toMatchObject({outcome: 'failed'})
    } finally {
      await server.close()
    }
  })

  it('writes NDJSON for sanity dataset import with --out', async () => {
    const out = join(dir, 'out.ndjson')
    await importCli([join(FIXTURES, 'complete.txt'), '--out', out])
    const types = (await readFile(out, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)._type)
    expect(new Set(types)).toEqual(new Set(['specialty', 'faqTag', 'doctor', 'question', 'reply']))
  })
})
