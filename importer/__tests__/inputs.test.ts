import {mkdtemp, rm, writeFile} from 'node:fs/promises'
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
