import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {promisify} from 'node:util'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {delimitedRecords, pairsFormat, readPairs} from '../pairs.ts'
import {loadRealSets} from '../sets.ts'

// Question pairs written for this test, in the shapes public pair collections use.
const CSV = [
  'id,question_1,question_2,label',
  '1,"My knee clicks when I climb stairs, should I worry?",Is a clicking knee on the stairs a problem?,1',
  '2,"My knee clicks when I climb stairs, should I worry?","My knee locks and will not straighten, what now?",0',
  '3,"Can I drink coffee while taking iron tablets?","Does coffee stop iron pills from working?",1',
  '4,"He said ""it\'s nothing"", but the rash spreads","Rash spreading after\r\nthe doctor said it was nothing",True',
].join('\r\n')

describe('question-pair files', () => {
  it('reads quoted fields with separators, doubled quotes and line breaks', () => {
    const records = delimitedRecords('a,b\n"x, y","say ""hi"""\n"two\nlines",z\n', ',')
    expect(records).toEqual([
      {line: 1, fields: ['a', 'b']},
      {line: 2, fields: ['x, y', 'say "hi"']},
      {line: 3, fields: ['two\nlines', 'z']},
    ])
    expect(() => delimitedRecords('a,b\n"open,1\n', ',')).toThrow(/line 2 is never closed/)
  })

  it('links positive pairs both ways and keeps negative ones as distractors', () => {
    const set = readPairs(CSV, 'csv', 'mine')
    expect(set.pairs).toEqual({positive: 3, negative: 1})
    expect(set.questions).toHaveLength(8)
    expect([...(set.relevant.get('mine:2a') ?? [])]).toEqual(['mine:2b'])
    expect([...(set.relevant.get('mine:2b') ?? [])]).toEqual(['mine:2a'])
    expect(set.relevant.has('mine:3a')).toBe(false)
    expect(set.questions.find(({id}) => id === 'mine:5a')?.title).toBe(
      'He said "it\'s nothing", but the rash spreads',
    )
    expect(set.skipped).toEqual([])
  })

  it('reports rows it cannot use, with their lines, and a header without the columns', () => {
    const tsv =
      'question1\tquestion2\tis_duplicate\nA one\tA two\t1\nB one\t\t0\nC one\tC two\tmaybe\nD\n'
    const set = readPairs(tsv, 'tsv', 't')
    expect(set.pairs).toEqual({positive: 1, negative: 0})
    expect(set.skipped).toEqual([
      {line: 3, reason: 'a question is missing or empty'},
      {line: 4, reason: 'label "maybe" is neither 1/true/yes nor 0/false/no'},
      {line: 5, reason: '1 fields where the header has 3'},
    ])
    expect(() => readPairs('first,second,label\na,b,1\n', 'csv', 'x')).toThrow(
      /header "first, second, label" lacks two question columns/,
    )
  })

  it('reads JSON lines by their keys', () => {
    const jsonl = [
      '\uFEFF' +
        JSON.stringify({
          sentence1: 'Is a fever of 38 high?',
          sentence2: 'Is 38 degrees a fever?',
          label: 1.0,
        }),
      '{broken',
      JSON.stringify({sentence1: 'Why do I sneeze?', sentence2: 'Why do I cough?', label: '0'}),
    ].join('\n')
    const set = readPairs(jsonl, 'jsonl', 'j')
    expect(set.pairs).toEqual({positive: 1, negative: 1})
    expect(set.skipped).toEqual([{line: 2, reason: 'not JSON'}])
    expect(pairsFormat('a.JSONL')).toBe('jsonl')
    expect(pairsFormat('a.tsv')).toBe('tsv')
    expect(pairsFormat('pairs.csv')).toBe('csv')
  })
})

describe('npm run similar:data -- --pairs', () => {
  let dir: string
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, ['bench/similar/real/prepare.ts', ...args]).then(
      ({stdout, stderr}) => ({code: 0, stdout, stderr}),
      (error: {code: number; stdout: string; stderr: string}) => error,
    )

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'similar-pairs-'))
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('writes a set the evaluation loads, merging a question asked in two rows', async () => {
    const file = join(dir, 'Editor pairs.csv')
    await writeFile(file, CSV)
    const {code, stdout} = await run(['--pairs', file, '--out', join(dir, 'sets')])
    expect(code).toBe(0)
    expect(stdout).toMatch(/Editor-pairs: 3 positive and 1 negative pairs; corpus 7 questions/)
    const [set] = await loadRealSets(join(dir, 'sets'))
    expect(set?.name).toBe('Editor-pairs')
    expect(set?.corpus).toHaveLength(7)
    const queries = [...(set?.dev ?? []), ...(set?.test ?? [])]
    // Both sides of each positive pair are queries; the knee question's only match is its pair.
    expect(queries).toHaveLength(6)
    const knee = queries.find(({query}) => query === 'Editor-pairs:2a')
    expect(knee?.relevant).toEqual(['Editor-pairs:2b'])
    expect(set?.meta.sources[0]?.path).toBe(file)
  })

  it('exits 1 naming the rows it skipped, 2 on a built-in name', async () => {
    const file = join(dir, 'damaged.tsv')
    await writeFile(file, 'q1\tq2\tlabel\nA one\tA two\t1\nbroken row\n')
    const damaged = await run(['--pairs', file, '--out', join(dir, 'sets')])
    expect(damaged.code).toBe(1)
    expect(damaged.stderr).toContain('line 3: skipped, 1 fields where the header has 3')
    expect(existsSync(join(dir, 'sets', 'damaged', 'corpus.jsonl'))).toBe(true)
    const clash = await run(['--pairs', file, '--name', 'quora', '--out', join(dir, 'sets')])
    expect(clash.code).toBe(2)
    expect(JSON.parse(await readFile(join(dir, 'sets', 'damaged', 'meta.json'), 'utf8')).name).toBe(
      'damaged',
    )
  })
})
