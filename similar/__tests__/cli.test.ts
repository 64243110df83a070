import {execFile, spawn} from 'node:child_process'
import {once} from 'node:events'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {lakeToken} from '../../lake/config.ts'
import {lakeClient} from '../../lake/connect.ts'
import {startLakeServer} from '../../lake/server.ts'
import {generateLabelledSet} from '../../bench/similar/labelled.ts'
import {importThreads, threadOf} from './support.ts'

// `npm run similar` end to end on an archive in a data folder (no server running: the command
// starts one for its duration, as every archive command does).

const run = promisify(execFile)
const SIMILAR = join(import.meta.dirname, '..', '..', 'scripts', 'similar.ts')
const SEED = 23

let dir: string
let ids: string[] = []
let slugs: string[] = []

function similarCli(args: string[], stdin?: string) {
  const running = run(process.execPath, [SIMILAR, ...args], {
    env: {...process.env, LAKE_DATA_DIR: dir, SANITY_DATASET: 'archive', SANITY_PROJECT_ID: ''},
    maxBuffer: 64 * 1024 * 1024,
  })
  running.child.stdin?.end(stdin ?? '')
  return running
}

interface JsonLine {
  _id: string
  title: string
  similar: {_id: string; title: string; score: number | null}[]
}

const lines = (stdout: string): JsonLine[] =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line))

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'similar-cli-'))
  const server = await startLakeServer({
    dataDir: dir,
    command: 'test',
    token: lakeToken(dir),
    port: 0,
    host: '127.0.0.1',
  })
  try {
    const client = lakeClient(server.url, 'archive', lakeToken(dir))
    const questions = generateLabelledSet({seed: SEED}).questions.slice(0, 80)
    await importThreads(
      client,
      questions.map((question) => threadOf(question, SEED)),
    )
    const stored: {_id: string; slug: string}[] = await client.fetch(
      '*[_type == "question"] | order(_id asc)[0...2]{_id, "slug": slug.current}',
    )
    ids = stored.map((question) => question._id)
    slugs = stored.map((question) => question.slug)
  } finally {
    await server.close()
  }
})

afterAll(() => rm(dir, {recursive: true, force: true}))

describe('npm run similar', () => {
  it('prints one JSON line per question, by slug or id; live lists before any precompute', async () => {
    const {stdout} = await similarCli([slugs[0] ?? '', ids[1] ?? '', '--json'])
    const output = lines(stdout)
    expect(output.map((line) => line._id)).toEqual(ids)
    for (const line of output) {
      expect(Object.keys(line).sort()).toEqual(['_id', 'similar', 'title'])
      expect(typeof line.title).toBe('string')
      expect(line.similar.length).toBeGreaterThan(0)
      expect(line.similar.length).toBeLessThanOrEqual(4)
      for (const entry of line.similar) {
        expect(Object.keys(entry).sort()).toEqual(['_id', 'score', 'title'])
        expect(entry.score).toBeNull() // served by the live fallback
      }
    }
  })

  it('recomputes with --recompute, then serves scored lists up to --limit', async () => {
    const all = await similarCli(['--recompute'])
    expect(all.stderr).toMatch(/Recomputed 80 lists: 80 written, 0 unchanged/)
    const {stdout, stderr} = await similarCli([
      ids[0] ?? '',
      slugs[1] ?? '',
      '--json',
      '--limit',
      '2',
      '--recompute',
    ])
    expect(stderr).toMatch(/Recomputed \d+ lists: 0 written/)
    const output = lines(stdout)
    expect(output).toHaveLength(2)
    for (const line of output) {
      expect(line.similar).toHaveLength(2)
      expect(line.similar.every((entry) => typeof entry.score === 'number')).toBe(true)
      expect(line.similar.map((entry) => entry._id)).not.toContain(line._id)
    }
  })

  it('ranks past the stored list for a larger --limit: stored entries first, then the same ranker', async () => {
    const [stored] = lines((await similarCli([ids[0] ?? '', '--json'])).stdout)
    const {stdout, stderr} = await similarCli([ids[0] ?? '', '--json', '--limit', '10'])
    expect(stderr).toMatch(/Ranking past the stored lists/)
    const [long] = lines(stdout)
    const entries = long?.similar ?? []
    expect(entries).toHaveLength(10)
    expect(entries.slice(0, 4)).toEqual(stored?.similar)
    const scores = entries.map((entry) => entry.score ?? Number.NaN)
    expect(scores.every((score) => score > 0)).toBe(true)
    // One ranking: the live part continues below the stored part, best first.
    expect(scores).toEqual([...scores].sort((a, b) => b - a))
    expect(new Set(entries.map((entry) => entry._id)).size).toBe(10)
    expect(entries.map((entry) => entry._id)).not.toContain(ids[0])
    // Served and ranked a page of questions at a time: the same list as asked for alone.
    const every = lines((await similarCli(['--all', '--json', '--limit', '10'])).stdout)
    expect(every).toHaveLength(80)
    expect(every.find((line) => line._id === ids[0])).toEqual(long)
    const [second] = lines((await similarCli([ids[1] ?? '', '--json', '--limit', '10'])).stdout)
    expect(every.find((line) => line._id === ids[1])).toEqual(second)
  })

  it('reads thousands of ids from a file or stdin, and lists every question with --all', async () => {
    const all = lines((await similarCli(['--all', '--json'])).stdout)
    expect(all).toHaveLength(80)
    // As many keys as would overflow a command line (each question many times, one unknown).
    const keys = Array.from({length: 5000}, (_, index) => all[index % all.length]?._id ?? '')
    const list = `# questions to check\n${keys.join('\n')}\nno-such-question\n`
    const file = join(dir, 'ids.txt')
    await writeFile(file, list)
    const fromFile = await similarCli(['--ids-from', file, '--json']).catch(
      (error: {code: number; stdout: string; stderr: string}) => error,
    )
    expect(fromFile.stderr).toMatch(/No question with id or slug "no-such-question"/)
    expect(lines(fromFile.stdout).map((line) => line._id)).toEqual(all.map((line) => line._id))
    const fromStdin = await similarCli(['--ids-from', '-', '--json'], `${ids[0]}, ${slugs[1]}`)
    expect(lines(fromStdin.stdout).map((line) => line._id)).toEqual(ids)
  })

  it('prints readable lists, and exits 1 naming questions it cannot find', async () => {
    const result = await similarCli([ids[0] ?? '', 'no-such-question']).then(
      ({stdout, stderr}) => ({code: 0, stdout, stderr}),
      (error: {code: number; stdout: string; stderr: string}) => error,
    )
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/No question with id or slug "no-such-question"/)
    expect(result.stdout).toMatch(
      new RegExp(`\\(${ids[0]}\\)\\n  1\\. .+  \\[computed 0\\.\\d{3}\\]`),
    )
  })

  it('keeps lists fresh with --watch, and catches up with what changed while it was stopped', async () => {
    // A lake is running: the command works through it, as it would next to `npm start`.
    const server = await startLakeServer({
      dataDir: dir,
      command: 'test',
      token: lakeToken(dir),
      port: 0,
      host: '127.0.0.1',
    })
    const client = lakeClient(server.url, 'archive', lakeToken(dir))
    const retitle = (id: string, title: string) =>
      client.patch(id).set({title}).commit({returnDocuments: false})

    /** Starts `--watch`; `waitFor` resolves with its output once `pattern` appeared `times` times. */
    function watching() {
      const child = spawn(process.execPath, [SIMILAR, '--watch'], {
        env: {...process.env, LAKE_DATA_DIR: dir, SANITY_DATASET: 'archive', SANITY_PROJECT_ID: ''},
      })
      let output = ''
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
      const waitFor = (pattern: RegExp, times = 1) =>
        new Promise<string>((resolve, reject) => {
          const global = new RegExp(pattern.source, 'g')
          const check = () => {
            if ((output.match(global)?.length ?? 0) >= times) resolve(output)
          }
          child.stderr.on('data', check)
          child.on('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)))
          setTimeout(() => reject(new Error(`no ${pattern} in:\n${output}`)), 30_000).unref()
          check()
        })
      const stop = async () => {
        child.kill('SIGINT')
        const [code] = await once(child, 'exit')
        return code
      }
      return {waitFor, stop}
    }

    try {
      await retitle(ids[0] ?? '', 'Retitled before anything watched')
      const first = watching()
      const caughtUp = await first.waitFor(
        /Caught up since the first run: 80 questions read, 1 stale/,
      )
      expect(caughtUp).toMatch(
        /Watching local\/archive \(checkpoint .*similar-watch\.local\.archive\.json\)/,
      )
      // The first recompute is the catch-up's; the second, the edit made while it watched.
      const recomputed = /recomputed \d+ lists for 1 changed questions: [1-9]\d* written/
      await first.waitFor(recomputed)
      await retitle(ids[1] ?? '', 'Retitled while it watched')
      await first.waitFor(recomputed, 2)
      expect(await first.stop()).toBe(0)
      const saved = JSON.parse(
        await readFile(join(dir, 'similar-watch.local.archive.json'), 'utf8'),
      )
      expect(Date.parse(saved.since)).not.toBeNaN()

      await retitle(ids[0] ?? '', 'Retitled while nothing watched')
      const second = watching()
      await second.waitFor(
        new RegExp(
          `Caught up since ${saved.since.replace(/\./g, '\\.')}: 80 questions read, 1 stale`,
        ),
      )
      expect(await second.stop()).toBe(0)
    } finally {
      await server.close()
    }
  }, 120_000)
})
