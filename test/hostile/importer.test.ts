import {execFile} from 'node:child_process'
import {mkdir, mkdtemp, readFile, rm, symlink, writeFile} from 'node:fs/promises'
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

/** Every thread of the report with its outcome and reason, by source ("file:2" before ":10"). */
function outcomes(run: ImportRun) {
  return run.report.threads
    .map(({source, outcome, reason}) => ({source, outcome, reason}))
    .sort((a, b) => a.source.localeCompare(b.source, 'en', {numeric: true}))
}

const page = (title: string, question = 'What should I do?') =>
  `${title} - Neurology\n\nShort title\n\n${question}\n`
const jsonLine = (title: string) => JSON.stringify({title, question: 'What should I do?'})

/** Bytes that look like nothing: a seeded generator, so every run writes the same file. */
function garbage(length: number, seed = 7): Uint8Array {
  const bytes = new Uint8Array(length)
  let state = seed
  for (let i = 0; i < length; i++) {
    state = (state * 1_103_515_245 + 12_345) >>> 0
    bytes[i] = state >>> 24
  }
  return bytes
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

  it('imports a 10 MB page of 700,000 short lines', async () => {
    const lines = await archiveFile(
      'lines.txt',
      page('Many lines', 'a line of text\n'.repeat(700_000)),
    )
    const run = await importCli([lines])
    expect(run.code).toBe(0)
    expect(outcomeOf(run, lines)?.outcome).toBe('created')
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

  it('skips symbolic links out of the archive and shows nothing of what they point to', async () => {
    const secret = 'lake-token-never-print-0123456789'
    await mkdir(join(dir, 'private'))
    await writeFile(join(dir, 'private', 'token'), `${secret}\n`)
    const good = await archiveFile('good.txt', page('Knee pain'))
    const archive = dirname(good)
    await symlink(join(dir, 'private', 'token'), join(archive, 'passwd.txt'))
    await symlink(join(dir, 'private', 'token'), join(archive, 'token.jsonl'))
    await symlink(join(dir, 'private'), join(archive, 'private'))
    await symlink(good, join(archive, 'same.txt'))

    const run = await importCli([archive])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /read 2 threads: 1 created, 0 updated, 1 unchanged, .* 3 inputs skipped/,
    )
    expect(outcomes(run).map(({source, outcome}) => ({source, outcome}))).toEqual([
      {source: good, outcome: 'created'},
      {source: join(archive, 'passwd.txt'), outcome: 'skipped'},
      {source: join(archive, 'private'), outcome: 'skipped'},
      {source: join(archive, 'same.txt'), outcome: 'unchanged'},
      {source: join(archive, 'token.jsonl'), outcome: 'skipped'},
    ])
    expect(outcomeOf(run, join(archive, 'passwd.txt'))?.reason).toBe(
      `a symbolic link to ${join(dir, 'private', 'token')}, outside ${archive} (give that path to import it)`,
    )
    for (const output of [run.stdout, run.stderr, JSON.stringify(run.report)])
      expect(output).not.toContain(secret.slice(0, 10))
  })

  it('reports files of NUL bytes, binary garbage and invalid UTF-8', async () => {
    const nul = await archiveFile('nul.txt', new Uint8Array(1024 * 1024))
    const binaryPage = await archiveFile('garbage.html', garbage(256 * 1024))
    const binaryLines = await archiveFile('garbage.jsonl', garbage(256 * 1024, 11))
    const latin1 = await archiveFile('latin1.txt', Buffer.from(page('Caf\u00e9 au lait'), 'latin1'))
    const lines = await archiveFile(
      'lines.jsonl',
      Buffer.concat([
        Buffer.from(`${jsonLine('Before')}\n`),
        Buffer.from('{"title": "Bad \xff\xfe bytes", "question": "?"}\n', 'latin1'),
        Buffer.from(`${jsonLine('After')}\n`),
      ]),
    )

    const run = await importCli([nul, binaryPage, binaryLines, latin1, lines])
    expect(run.code).toBe(1)
    const binary = 'The file is binary data (it holds NUL bytes), not an archive file.'
    expect(outcomes(run)).toEqual([
      {source: binaryPage, outcome: 'failed', reason: binary},
      {source: binaryLines, outcome: 'failed', reason: binary},
      {
        source: latin1,
        outcome: 'failed',
        reason: 'The file is not UTF-8 text (save the archive as UTF-8).',
      },
      {source: `${lines}:1`, outcome: 'created', reason: undefined},
      {
        source: `${lines}:2`,
        outcome: 'failed',
        reason: 'The line is not UTF-8 text (save the archive as UTF-8).',
      },
      {source: `${lines}:3`, outcome: 'created', reason: undefined},
      {source: nul, outcome: 'failed', reason: binary},
    ])
  })

  it('fails a JSONL line of 100,000 nested arrays alone', async () => {
    const depth = 100_000
    const nested = `${'['.repeat(depth)}${']'.repeat(depth)}`
    const lines = await archiveFile(
      'nested.jsonl',
      [
        jsonLine('Before'),
        nested,
        `${jsonLine('Ignored depth').slice(0, -1)},"extra":${nested}}`,
        '['.repeat(depth),
        jsonLine('After'),
      ].join('\n'),
    )
    const run = await importCli([lines])
    expect(run.code).toBe(1)
    expect(outcomes(run)).toEqual([
      {source: `${lines}:1`, outcome: 'created', reason: undefined},
      {
        source: `${lines}:2`,
        outcome: 'failed',
        reason: 'Expected a JSON object for the thread, got an array.',
      },
      {source: `${lines}:3`, outcome: 'created', reason: undefined},
      {
        source: `${lines}:4`,
        outcome: 'failed',
        reason: 'Invalid JSON: Unexpected end of JSON input',
      },
      {source: `${lines}:5`, outcome: 'created', reason: undefined},
    ])
  })

  it('reports a 50 MB JSONL line as too large and reads the lines around it', async () => {
    const huge = JSON.stringify({title: 'Huge', question: 'q'.repeat(50 * MB)})
    const lines = await archiveFile(
      'huge.jsonl',
      [jsonLine('Before'), huge, jsonLine('After')].join('\n'),
    )
    const run = await importCli([lines])
    expect(run.code).toBe(1)
    expect(outcomes(run)).toEqual([
      {source: `${lines}:1`, outcome: 'created', reason: undefined},
      {
        source: `${lines}:2`,
        outcome: 'failed',
        reason: 'The line is larger than the 8 MiB a JSONL line may hold.',
      },
      {source: `${lines}:3`, outcome: 'created', reason: undefined},
    ])
  })

  it('reports HTML nested far too deep or too large to be a page, and reads entity bombs as text', async () => {
    const deep = await archiveFile(
      'deep.html',
      `<h1>Deep - Neurology</h1><p>Question?</p>${'<div>'.repeat(1_000_000)}x`,
    )
    const wide = await archiveFile(
      'wide.html',
      `<h1>Wide - Neurology</h1>${'<p>Some text.</p>'.repeat(40_000)}`,
    )
    const entities = Array.from(
      {length: 9},
      (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
    ).join('')
    const laughs = await archiveFile(
      'laughs.html',
      `<!DOCTYPE html [<!ENTITY lol0 "lol">${entities}]>` +
        '<h1>Laughs - Neurology</h1><p>Short</p><p>&lol9; is all I say.</p>',
    )
    const run = await importCli([deep, wide, laughs])
    expect(run.code).toBe(1)
    expect(outcomes(run)).toEqual([
      {
        source: deep,
        outcome: 'failed',
        reason: 'The page nests elements more than 512 deep: it is not a saved thread page.',
      },
      {source: laughs, outcome: 'created', reason: undefined},
      {
        source: wide,
        outcome: 'failed',
        reason: 'The page has more than 30000 elements: it is not a saved thread page.',
      },
    ])
  })

  it('reads byte order marks and CRLF, CR and LF line ends in any mix', async () => {
    const cr = await archiveFile('cr.txt', page('Old Mac page').replaceAll('\n', '\r'))
    const crlf = await archiveFile(
      'crlf.txt',
      `\uFEFF${page('Windows page').replaceAll('\n', '\r\n')}`,
    )
    const mixed = await archiveFile(
      'mixed.jsonl',
      `\uFEFF${jsonLine('First')}\r\n${jsonLine('Second')}\n\uFEFF${jsonLine('Third')}\r\n\r\n`,
    )
    const run = await importCli([cr, crlf, mixed])
    expect(run.code).toBe(0)
    expect(run.report.threads.map(({title, outcome}) => ({title, outcome}))).toEqual([
      {title: 'Old Mac page', outcome: 'created'},
      {title: 'Windows page', outcome: 'created'},
      {title: 'First', outcome: 'created'},
      {title: 'Second', outcome: 'created'},
      {title: 'Third', outcome: 'created'},
    ])
  })
})
