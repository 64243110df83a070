import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import type {ImportReport} from '../../importer/run.ts'

// `npm run import` against archives built to hurt it. Each case runs the real command into an
// embedded lake in a child process (a hang fails the test instead of stalling the run; the time
// limit is generous, speed belongs in benchmarks) and checks that it finishes, reports every bad
// input and writes its report.

const IMPORT = join(import.meta.dirname, '..', '..', 'scripts', 'import.ts')
const TIME_LIMIT_MS = 60_000

// Each case may take the whole time limit, plus writing its files.
vi.setConfig({testTimeout: TIME_LIMIT_MS + 30_000})
const MB = 1024 * 1024

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'import-hostile-'))
})

afterEach(() => rm(dir, {recursive: true, force: true}))

interface ImportRun {
  code: number
  stdout: string
  stderr: string
  report: ImportReport
}

/** Runs the import command on `inputs`; resolves when it exits, whatever its exit code. */
function importCli(inputs: string[], ...flags: string[]): Promise<ImportRun> {
  const reportPath = join(dir, 'report.json')
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [IMPORT, ...inputs, '--report', reportPath, ...flags],
      {
        env: {
          ...process.env,
          LAKE_DATA_DIR: join(dir, 'lake'),
          SANITY_DATASET: 'archive',
          SANITY_PROJECT_ID: '',
        },
        timeout: TIME_LIMIT_MS,
        killSignal: 'SIGKILL',
        maxBuffer: 16 * MB,
      },
      (error, stdout, stderr) => {
        if (error?.killed) {
          reject(new Error(`The import did not finish in ${TIME_LIMIT_MS / 1000} s`))
          return
        }
        readFile(reportPath, 'utf8').then(
          (report) =>
            resolve({
              code: error ? Number(error.code) : 0,
              stdout,
              stderr,
              report: JSON.parse(report),
            }),
          reject,
        )
      },
    )
  })
}

/** Writes `content` to `name` in the archive folder and returns its path. */
async function archiveFile(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, 'archive', name)
  await mkdir(dirname(path), {recursive: true})
  await writeFile(path, content)
  return path
}

function outcomeOf(run: ImportRun, source: string) {
  return run.report.threads.find((thread) => thread.source === source)
}

describe('npm run import on hostile archives', () => {
  it('imports a 200,000-character word and 10 MB single-line inputs, or reports them', async () => {
    const word = await archiveFile(
      'word.txt',
      `Long word - Neurology\n\nShort\n\nMy question is ${'a'.repeat(200_000)} thanks.\n`,
    )
    const question = 'y'.repeat(10 * MB)
    const page = await archiveFile(
      'page.txt',
      `Huge question - Neurology\n\nShort\n\n${question}\n`,
    )
    const line = await archiveFile('line.jsonl', `${JSON.stringify({title: 'Huge', question})}\n`)
    const title = await archiveFile('title.txt', 'x'.repeat(10 * MB))

    const run = await importCli([word, page, line, title])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/read 4 threads: 2 created, .* 2 failed/)
    expect(outcomeOf(run, word)?.outcome).toBe('created')
    expect(outcomeOf(run, page)?.outcome).toBe('created')
    expect(outcomeOf(run, `${line}:1`)).toMatchObject({
      outcome: 'failed',
      reason: 'The line is larger than the 8 MiB a JSONL line may hold.',
    })
    expect(outcomeOf(run, title)).toMatchObject({outcome: 'failed'})
  })

  it('reads page lines built to make its patterns backtrack', async () => {
    const spaces = ' '.repeat(200_000)
    const page = await archiveFile(
      'patterns.txt',
      [
        'Backtracking - Neurology',
        '',
        'Short title',
        '',
        `x${spaces}y`,
        `call 12345678${spaces}9 please`,
        `CHEN, ${spaces}b Ask Date: 2015/07/14`,
        'Dr. Lan Shengxing reply Neurology',
        'Rest.',
        'Reply Date: 2015/07/15',
        'Similar Q&A',
        'Some title',
        `[Read More]${spaces}\u2028`,
        'Related FAQ',
        'Tag name',
        `(${spaces}x`,
      ].join('\n'),
    )
    const run = await importCli([page])
    expect(run.code).toBe(0)
    expect(outcomeOf(run, page)?.outcome).toBe('created')
  })
})
