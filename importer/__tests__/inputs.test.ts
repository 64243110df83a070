import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {MAX_LINE_BYTES, readInputs} from '../inputs.ts'
import type {ParseResult} from '../record.ts'

// Reading inputs from disk: how files are split into records and what is reported about them.

let dir: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'importer-inputs-'))
})

afterEach(() => rm(dir, {recursive: true, force: true}))

async function readAll(...inputs: string[]): Promise<ParseResult[]> {
  const results: ParseResult[] = []
  for await (const result of readInputs(inputs)) results.push(result)
  return results
}

const line = (title: string, question = 'What should I do?') => JSON.stringify({title, question})

describe('readInputs: JSONL', () => {
  it('splits lines at "\\n" only, so strings may hold U+2028 and U+2029', async () => {
    const path = join(dir, 'separators.jsonl')
    await writeFile(path, `${line('Line\u2028separator', 'Para\u2029graph')}\n${line('Next')}\n`)
    const results = await readAll(path)
    expect(results.map((result) => (result.ok ? result.record.title : result.failure))).toEqual([
      'Line\u2028separator',
      'Next',
    ])
  })

  it('reports a line over the limit as too large and reads on', async () => {
    const path = join(dir, 'large.jsonl')
    const large = line('Large', 'x'.repeat(MAX_LINE_BYTES))
    await writeFile(path, [line('Before'), large, line('After')].join('\n'))
    const results = await readAll(path)
    expect(results.map((result) => (result.ok ? result.record.title : result.failure))).toEqual([
      'Before',
      {
        origin: {format: 'jsonl', file: path, line: 2},
        reason: 'The line is larger than the 8 MiB a JSONL line may hold.',
      },
      'After',
    ])
  })
})

const SECRET = 'lake-token-do-not-print-0123456789'
const page = (title: string) => `${title} - Neurology\n\nShort\n\nWhat should I do?\n`

/** What each result says, by file: a title, or the failure's reason (and whether skipped). */
function summaries(results: ParseResult[]) {
  return results.map((result) =>
    result.ok
      ? result.record.title
      : {
          file: result.failure.origin.file,
          reason: result.failure.reason,
          skipped: result.failure.skipped,
        },
  )
}

describe('readInputs: symbolic links and what messages show', () => {
  beforeEach(async () => {
    await mkdir(join(dir, 'outside'))
    await writeFile(join(dir, 'outside', 'token'), `${SECRET}\n`)
    await writeFile(join(dir, 'outside', 'secret.txt'), `${SECRET}\n`)
    await mkdir(join(dir, 'archive', 'nested'), {recursive: true})
    await writeFile(join(dir, 'archive', 'a.txt'), page('First'))
    await writeFile(join(dir, 'archive', 'nested', 'b.txt'), page('Second'))
  })

  it('skips links that lead out of a walked folder, reporting them, and follows the rest', async () => {
    const archive = join(dir, 'archive')
    await symlink(join(dir, 'outside', 'secret.txt'), join(archive, 'passwd.txt'))
    await symlink(join(dir, 'outside'), join(archive, 'elsewhere'))
    await symlink(join(archive, 'nested', 'b.txt'), join(archive, 'c.txt'))
    await symlink(archive, join(archive, 'nested', 'loop'))
    const results = await readAll(archive)
    expect(summaries(results)).toEqual([
      'First',
      'Second',
      {
        file: join(archive, 'elsewhere'),
        reason: `a symbolic link to ${join(dir, 'outside')}, outside ${archive} (give that path to import it)`,
        skipped: true,
      },
      'Second',
      {
        file: join(archive, 'passwd.txt'),
        reason: `a symbolic link to ${join(dir, 'outside', 'secret.txt')}, outside ${archive} (give that path to import it)`,
        skipped: true,
      },
    ])
    expect(JSON.stringify(results)).not.toContain(SECRET)
  })

  it('follows links on a path named on the command line only inside the folder holding each', async () => {
    const archive = join(dir, 'archive')
    await symlink(join(dir, 'outside', 'secret.txt'), join(archive, 'passwd.txt'))
    await symlink(join(archive, 'a.txt'), join(archive, 'again.txt'))
    await symlink(join(dir, 'outside'), join(archive, 'elsewhere'))
    await symlink(join(archive, 'nested'), join(archive, 'inner'))
    const results = await readAll(
      join(archive, 'passwd.txt'),
      join(archive, 'again.txt'),
      join(archive, 'elsewhere', 'secret.txt'),
      `${join(archive, 'inner')}/`,
    )
    expect(summaries(results)).toEqual([
      {
        file: join(archive, 'passwd.txt'),
        reason: `a symbolic link to ${join(dir, 'outside', 'secret.txt')}, outside ${archive} (give that path to import it)`,
        skipped: true,
      },
      'First',
      {
        file: join(archive, 'elsewhere', 'secret.txt'),
        reason: `${join(archive, 'elsewhere')} is a symbolic link to ${join(dir, 'outside')}, outside ${archive} (give that path to import it)`,
        skipped: true,
      },
      'Second',
    ])
  })

  it('shows nothing of a file without an archive extension that is not an archive', async () => {
    const results = await readAll(join(dir, 'outside', 'token'))
    expect(summaries(results)).toEqual([
      {
        file: join(dir, 'outside', 'token'),
        reason: expect.stringMatching(/^The file is not an archive page or JSONL file/),
        skipped: undefined,
      },
    ])
    expect(JSON.stringify(results)).not.toContain(SECRET.slice(0, 8))
  })

  it('quotes at most 40 characters of an archive file, escaped', async () => {
    const path = join(dir, 'archive', 'title-only.txt')
    await writeFile(path, `\u001b[2J${'x'.repeat(10_000)}\n`)
    const [result] = await readAll(path)
    expect(result?.ok).toBe(false)
    if (result?.ok === false)
      expect(result.failure.reason).toBe(
        `No question text after the title "\\u001b[2J${'x'.repeat(36)}…"; the page may be cut short.`,
      )
  })
})
